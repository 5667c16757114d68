namespace Shira.Convert.Peft;

/// <summary>What one tensor of an adapter file is.</summary>
internal enum PeftTensorRole
{
    LoraA,
    LoraB,
    LoraBBias,
    EmbeddingA,
    EmbeddingB,
    Magnitude,
    ShiraWeight,
    ShiraIndices,
    /// <summary>A full tensor that replaces the base tensor (modules_to_save, trained biases, classifier heads).</summary>
    Dense,
}
