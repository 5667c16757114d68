using TorchSharp.Utils;
using static TorchSharp.torch;

namespace Shira.Training.Models;

/// <summary>
/// The decoder trunk (Hugging Face's <c>LlamaModel</c>, registered as <c>model</c>): <c>embed_tokens</c>,
/// <c>layers.{i}</c>, <c>norm</c>.
/// </summary>
public sealed class LlamaModel : nn.Module<Tensor, Tensor>
{
    private readonly LlamaConfig _config;
    [ComponentName(Name = "embed_tokens")] private readonly TorchSharp.Modules.Embedding _embed;
    [ComponentName(Name = "layers")] private readonly LayerStack _stack;
    [ComponentName(Name = "norm")] private readonly RmsNorm _norm;
    private readonly LlamaDecoderLayer[] _layers; // the same blocks, typed, for forward

    /// <summary>Creates the trunk with default-initialized weights.</summary>
    public LlamaModel(LlamaConfig config) : base(nameof(LlamaModel))
    {
        ArgumentNullException.ThrowIfNull(config);
        _config = config;
        _embed = nn.Embedding(config.VocabSize, config.HiddenSize);
        _layers = new LlamaDecoderLayer[config.NumHiddenLayers];
        _stack = new LayerStack();
        for (int i = 0; i < _layers.Length; i++)
        {
            _layers[i] = new LlamaDecoderLayer(config);
            _stack.Add(i, _layers[i]);
        }
        _norm = new RmsNorm(config.HiddenSize, config.RmsNormEps);
        RegisterComponents();
    }

    /// <summary>The embedding matrix [vocab, hidden] (<c>model.embed_tokens.weight</c>).</summary>
    public TorchSharp.Modules.Parameter EmbedWeight => _embed.weight!;

    /// <summary>Final hidden states [B, T, hidden] for token ids [B, T].</summary>
    public override Tensor forward(Tensor input)
    {
        using var scope = NewDisposeScope();
        return ForwardEmbeddings(_embed.call(input)).MoveToOuterDisposeScope();
    }

    /// <summary>Final hidden states for given input embeddings [B, T, hidden] (Hugging Face's <c>inputs_embeds</c>).</summary>
    public Tensor ForwardEmbeddings(Tensor embeddings)
    {
        ArgumentNullException.ThrowIfNull(embeddings);
        using var scope = NewDisposeScope();
        var (cos, sin) = RotaryEmbedding.Tables(embeddings.shape[1], _config.HeadDim, _config.RopeTheta, embeddings.dtype);
        return ForwardEmbeddings(embeddings, cos, sin).MoveToOuterDisposeScope();
    }

    /// <summary>The blocks and the final norm with caller-given rotary tables [T, headDim] (cos = 1, sin = 0
    /// turns rotation off, which is how the PEFT fixture's toy model is defined).</summary>
    internal Tensor ForwardEmbeddings(Tensor embeddings, Tensor cos, Tensor sin)
    {
        using var scope = NewDisposeScope();
        var h = embeddings;
        foreach (var layer in _layers) h = layer.call(h, cos, sin);
        return _norm.call(h).MoveToOuterDisposeScope();
    }

    // Holds the blocks under "0", "1", … so parameter names read model.layers.{i}.…
    private sealed class LayerStack() : nn.Module(nameof(LayerStack))
    {
        public void Add(int index, nn.Module layer) =>
            register_module(index.ToString(System.Globalization.CultureInfo.InvariantCulture), layer);
    }
}
