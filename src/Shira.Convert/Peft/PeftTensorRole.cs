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
    /// <summary>A copy of a base tensor that PEFT saves alongside the adapter: <c>&lt;module&gt;.base_layer.weight</c> of a
    /// targeted embedding (save_embedding_layers), or <c>&lt;module&gt;.original_module.weight</c> of a modules_to_save
    /// wrapper. It changes nothing; it tells which base the adapter was trained on.</summary>
    BaseCopy,
}
