using Shira.Format.Safetensors;

namespace Shira.Convert.Peft;

/// <summary>The adapter tensors of one adapted module.</summary>
internal sealed class PeftModuleTensors(string module)
{
    public string Module { get; } = module;
    public SafetensorsTensorInfo? A { get; set; }
    public SafetensorsTensorInfo? B { get; set; }
    public SafetensorsTensorInfo? BBias { get; set; }
    public SafetensorsTensorInfo? EmbeddingA { get; set; }
    public SafetensorsTensorInfo? EmbeddingB { get; set; }
    public SafetensorsTensorInfo? Magnitude { get; set; }
    public SafetensorsTensorInfo? ShiraWeight { get; set; }
    public SafetensorsTensorInfo? ShiraIndices { get; set; }

    /// <summary>The base weight this module changes.</summary>
    public string WeightName => Module + ".weight";

    /// <summary>The base bias lora_B.bias adds to.</summary>
    public string BiasName => Module + ".bias";

    public bool IsEmbedding => EmbeddingA is not null || EmbeddingB is not null;
}

