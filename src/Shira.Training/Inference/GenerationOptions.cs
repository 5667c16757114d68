namespace Shira.Training.Inference;

/// <summary>Settings of <see cref="TextGenerator.Generate"/>.</summary>
public sealed record GenerationOptions
{
    /// <summary>Tokens to add at most (default 64).</summary>
    public int MaxNewTokens { get; init; } = 64;
    /// <summary>0 (the default) decodes greedily; above 0 samples from softmax(logits / temperature).</summary>
    public double Temperature { get; init; }
    /// <summary>Seed of the sampler (same seed, same text).</summary>
    public ulong Seed { get; init; }
    /// <summary>Generation stops after this token (usually the tokenizer's EOS); null never stops early.</summary>
    public int? StopId { get; init; }
    /// <summary>The longest sequence (prompt and output) the model may see; 0 for no limit.</summary>
    public int MaxSequenceLength { get; init; }
}
