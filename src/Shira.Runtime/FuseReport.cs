namespace Shira.Runtime;

/// <summary>One fused input.</summary>
/// <param name="Path">Adapter file.</param>
/// <param name="Weight">Its fusion weight.</param>
/// <param name="Positions">Positions it changes (summed over tensors).</param>
/// <param name="Energy">Σ d² of its own deltas d = entry scale · v (weight not applied).</param>
/// <param name="SharedEnergyShare">Share of <see cref="Energy"/> on positions that another input also changes
/// (the interference the SHiRA paper links to concept loss); 0 when Energy is 0.</param>
public sealed record FuseInput(string Path, float Weight, long Positions, double Energy, double SharedEnergyShare);

/// <summary>How two inputs overlap.</summary>
/// <param name="A">Index of the first input.</param>
/// <param name="B">Index of the second input.</param>
/// <param name="SharedPositions">Positions both change.</param>
/// <param name="Cosine">Cosine of their deltas (entry scale · v, weights not applied) over the shared positions;
/// null when they share none or a delta is zero there.</param>
public sealed record FusePair(int A, int B, long SharedPositions, double? Cosine);

/// <summary>The result of <see cref="AdapterFusion.Fuse"/>.</summary>
/// <param name="OutputPath">The fused adapter.</param>
/// <param name="Inputs">Inputs in argument order.</param>
/// <param name="Pairs">Every pair (A &lt; B).</param>
/// <param name="Tensors">Tensors in the output.</param>
/// <param name="Positions">Positions in the output (the union of supports).</param>
public sealed record FuseReport(string OutputPath, IReadOnlyList<FuseInput> Inputs, IReadOnlyList<FusePair> Pairs,
    int Tensors, long Positions);

/// <summary>Options for <see cref="AdapterFusion.Fuse"/>.</summary>
public sealed record FuseOptions
{
    /// <summary>How the fused values are stored (default f32: the sums are computed in f32).</summary>
    public Shira.Format.ValueDType ValueType { get; init; } = Shira.Format.ValueDType.F32;
    /// <summary>Name written in the fused adapter's metadata (default: the output file name).</summary>
    public string? Name { get; init; }
    /// <summary>How the fused file is written (index encoding, LZ4); null for the defaults.</summary>
    public Shira.Format.Container.ShiraWriterOptions? Writer { get; init; }
}
