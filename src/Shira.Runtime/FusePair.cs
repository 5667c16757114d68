namespace Shira.Runtime;

/// <summary>How two inputs overlap.</summary>
/// <param name="A">Index of the first input.</param>
/// <param name="B">Index of the second input.</param>
/// <param name="SharedPositions">Positions both change.</param>
/// <param name="Cosine">Cosine of their deltas (entry scale · v, weights not applied) over the shared positions;
/// null when they share none or a delta is zero there.</param>
public sealed record FusePair(int A, int B, long SharedPositions, double? Cosine);
