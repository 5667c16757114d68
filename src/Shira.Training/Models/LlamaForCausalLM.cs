using TorchSharp;
using TorchSharp.Utils;
using Shira.Training.Data;
using static TorchSharp.torch;

namespace Shira.Training.Models;

/// <summary>
/// A LLaMA-style causal language model whose parameters carry Hugging Face's names and layouts
/// (<c>model.embed_tokens.weight</c>, <c>model.layers.{i}.self_attn.{q,k,v,o}_proj.weight</c> [out, in],
/// <c>model.layers.{i}.mlp.{gate,up,down}_proj.weight</c>, <c>model.layers.{i}.{input,post_attention}_layernorm.weight</c>,
/// <c>model.norm.weight</c>, <c>lm_head.weight</c> unless tied), so Hugging Face checkpoints load as they are.
/// </summary>
public sealed class LlamaForCausalLM : nn.Module<Tensor, Tensor>
{
    [ComponentName(Name = "model")] private readonly LlamaModel _model;
    [ComponentName(Name = "lm_head")] private readonly TorchSharp.Modules.Linear? _lmHead;

    /// <summary>Creates the model; weights are initialized like Hugging Face's (normal(0, 0.02), norms at one),
    /// from a generator seeded with <paramref name="seed"/>.</summary>
    public LlamaForCausalLM(LlamaConfig config, ulong seed = 0) : base(nameof(LlamaForCausalLM))
    {
        ArgumentNullException.ThrowIfNull(config);
        Config = config.Validate();
        _model = new LlamaModel(config);
        if (!config.TieWordEmbeddings) _lmHead = nn.Linear(config.HiddenSize, config.VocabSize, hasBias: false);
        // Fields are registered under their ComponentName (the Hugging Face names); TorchSharp would otherwise
        // also discover them under their C# names.
        RegisterComponents();
        Initialize(seed);
    }

    /// <summary>The model's shape.</summary>
    public LlamaConfig Config { get; }

    /// <summary>The trunk (<c>model.*</c>).</summary>
    public LlamaModel Model => _model;

    /// <summary>Logits [B, T, vocab] for token ids [B, T] (int64).</summary>
    public override Tensor forward(Tensor input)
    {
        using var scope = NewDisposeScope();
        return Head(_model.call(input)).MoveToOuterDisposeScope();
    }

    /// <summary>Projects hidden states to logits with <c>lm_head</c> (or the tied embedding).</summary>
    public Tensor Head(Tensor hidden)
    {
        ArgumentNullException.ThrowIfNull(hidden);
        return _lmHead is not null ? _lmHead.call(hidden) : nn.functional.linear(hidden, _model.EmbedWeight);
    }

    /// <summary>Mean cross-entropy of <paramref name="targets"/> [B, T] (positions equal to
    /// <see cref="TokenDataset.IgnoreIndex"/> are not scored) under the logits for <paramref name="inputs"/>.</summary>
    public Tensor Loss(Tensor inputs, Tensor targets)
    {
        ArgumentNullException.ThrowIfNull(targets);
        using var scope = NewDisposeScope();
        var logits = call(inputs);
        return nn.functional.cross_entropy(logits.view(-1, logits.shape[^1]), targets.view(-1),
            ignore_index: TokenDataset.IgnoreIndex).MoveToOuterDisposeScope();
    }

    /// <summary>The loss of a batch.</summary>
    public Tensor Loss(TokenBatch batch)
    {
        ArgumentNullException.ThrowIfNull(batch);
        using var inputs = batch.InputTensor();
        using var targets = batch.TargetTensor();
        return Loss(inputs, targets);
    }

    private void Initialize(ulong seed)
    {
        using var generator = new Generator(seed);
        using var noGrad = no_grad();
        foreach (var (name, p) in named_parameters())
        {
            if (name.EndsWith("norm.weight", StringComparison.Ordinal)) p.fill_(1.0f);
            else if (name.EndsWith(".bias", StringComparison.Ordinal)) p.zero_();
            else p.normal_(0.0, 0.02, generator);
        }
    }
}
