using TorchSharp.Utils;
using static TorchSharp.torch;

namespace Shira.Training.Models;

/// <summary>One pre-norm block: <c>h = x + self_attn(input_layernorm(x))</c>, <c>out = h + mlp(post_attention_layernorm(h))</c>.</summary>
public sealed class LlamaDecoderLayer : nn.Module<Tensor, Tensor, Tensor, Tensor>
{
    [ComponentName(Name = "self_attn")] private readonly LlamaAttention _attention;
    [ComponentName(Name = "input_layernorm")] private readonly RmsNorm _inputNorm;
    [ComponentName(Name = "post_attention_layernorm")] private readonly RmsNorm _postNorm;
    [ComponentName(Name = "mlp")] private readonly LlamaMlp _mlp;

    /// <summary>Creates the block's modules under their Hugging Face names.</summary>
    public LlamaDecoderLayer(LlamaConfig config) : base(nameof(LlamaDecoderLayer))
    {
        ArgumentNullException.ThrowIfNull(config);
        _attention = new LlamaAttention(config);
        _mlp = new LlamaMlp(config);
        _inputNorm = new RmsNorm(config.HiddenSize, config.RmsNormEps);
        _postNorm = new RmsNorm(config.HiddenSize, config.RmsNormEps);
        RegisterComponents();
    }

    /// <inheritdoc />
    public override Tensor forward(Tensor input, Tensor cos, Tensor sin)
    {
        using var scope = NewDisposeScope();
        var h = input + _attention.call(_inputNorm.call(input), cos, sin);
        return (h + _mlp.call(_postNorm.call(h))).MoveToOuterDisposeScope();
    }
}
