using Shira.Format;
using Shira.Format.Container;


namespace Shira.Convert.Diff;

/// <summary>Options for <see cref="DenseDiff.Create"/>.</summary>
public sealed record DiffOptions
{
    /// <summary>Keep only this fraction of each tensor's elements (largest |tuned − base| first); null = exact diff.</summary>
    public double? Density { get; init; }
    /// <summary>With <see cref="Density"/>: one budget for the whole checkpoint (density × the elements of all changed
    /// tensors, the largest |tuned − base| anywhere) instead of the same fraction of every tensor.</summary>
    public bool Global { get; init; }
    /// <summary>Value type of stored deltas (default f32). An exact diff verifies every position against it.</summary>
    public ValueDType ValueDType { get; init; } = ValueDType.F32;
    /// <summary>Container writer options.</summary>
    public ShiraWriterOptions? Writer { get; init; }
    /// <summary>Receives one report per finished tensor.</summary>
    public IProgress<ConvertProgress>? Progress { get; init; }
}
