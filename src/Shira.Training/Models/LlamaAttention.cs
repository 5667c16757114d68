using TorchSharp.Modules;
using TorchSharp.Utils;
using static TorchSharp.torch;

namespace Shira.Training.Models;

/// <summary>
/// Causal self-attention with rotary positions and optional grouped-query attention: <c>q_proj</c> [heads·d, hidden],
/// <c>k_proj</c>/<c>v_proj</c> [kvHeads·d, hidden], <c>o_proj</c> [hidden, heads·d]; biases on q/k/v (Qwen2, LLaMA's
/// <c>attention_bias</c>) and o (LLaMA's <c>attention_bias</c>) as the config says; softmax in f32; Mistral's sliding
/// window masks keys more than window − 1 positions back.
/// </summary>
public sealed class LlamaAttention : nn.Module<Tensor, Tensor, Tensor, Tensor>
{
    private readonly int _heads;
    private readonly int _kvHeads;
    private readonly int _headDim;
    private readonly int _window;
    [ComponentName(Name = "q_proj")] private readonly Linear _q;
    [ComponentName(Name = "k_proj")] private readonly Linear _k;
    [ComponentName(Name = "v_proj")] private readonly Linear _v;
    [ComponentName(Name = "o_proj")] private readonly Linear _o;

    /// <summary>Creates the four projections.</summary>
    public LlamaAttention(LlamaConfig config) : base(nameof(LlamaAttention))
    {
        ArgumentNullException.ThrowIfNull(config);
        _heads = config.NumAttentionHeads;
        _kvHeads = config.NumKeyValueHeads;
        _headDim = config.HeadDim;
        _window = config.SlidingWindow;
        _q = nn.Linear(config.HiddenSize, _heads * _headDim, hasBias: config.QkvBias);
        _k = nn.Linear(config.HiddenSize, _kvHeads * _headDim, hasBias: config.QkvBias);
        _v = nn.Linear(config.HiddenSize, _kvHeads * _headDim, hasBias: config.QkvBias);
        _o = nn.Linear(_heads * _headDim, config.HiddenSize, hasBias: config.OutputBias);
        RegisterComponents();
    }

    /// <summary>Attends over <paramref name="input"/> [B, T, hidden] with the rotary tables [T, d].</summary>
    public override Tensor forward(Tensor input, Tensor cos, Tensor sin)
    {
        using var scope = NewDisposeScope();
        long b = input.shape[0], t = input.shape[1];
        // call(), not forward(): adapters (SHiRA, LoRA) hook the projections' forward.
        var q = _q.call(input).view(b, t, _heads, _headDim).transpose(1, 2);
        var k = _k.call(input).view(b, t, _kvHeads, _headDim).transpose(1, 2);
        var v = _v.call(input).view(b, t, _kvHeads, _headDim).transpose(1, 2);
        q = RotaryEmbedding.Apply(q, cos, sin);
        k = RotaryEmbedding.Apply(k, cos, sin);
        if (_kvHeads != _heads)
        {
            // GQA: each key/value head serves heads/kvHeads consecutive query heads (HF's repeat_kv).
            k = k.repeat_interleave(_heads / _kvHeads, 1);
            v = v.repeat_interleave(_heads / _kvHeads, 1);
        }
        var scores = q.matmul(k.transpose(2, 3)) * (1.0 / Math.Sqrt(_headDim));
        var future = ones(t, t, ScalarType.Bool).triu(1);
        if (_window > 0 && t > _window) future = future.logical_or(ones(t, t, ScalarType.Bool).tril(-_window));
        scores = scores.masked_fill(future, float.NegativeInfinity);
        var probs = nn.functional.softmax(scores, -1, ScalarType.Float32).to_type(q.dtype);
        var context = probs.matmul(v).transpose(1, 2).reshape(b, t, _heads * _headDim);
        return _o.call(context).MoveToOuterDisposeScope();
    }
}
