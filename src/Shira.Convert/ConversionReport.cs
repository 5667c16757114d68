using Shira.Format;

namespace Shira.Convert;

/// <summary>The summary of a conversion, diff or export.</summary>
/// <param name="Source">Input path.</param>
/// <param name="Output">Output path.</param>
/// <param name="SourceFormat">peft-lora, peft-shira, dense-diff, shira (export).</param>
/// <param name="Tensors">Per tensor, in output order.</param>
/// <param name="Notes">Things the user should know (lossy conversions, padding, omitted tensors).</param>
/// <param name="OutputBytes">Size of the written file(s).</param>
public sealed record ConversionReport(string Source, string Output, string SourceFormat, IReadOnlyList<TensorReport> Tensors,
    IReadOnlyList<string> Notes, long OutputBytes)
{
    /// <summary>Things the user should act on (a lossy default budget, an unchecked copy of a base tensor).</summary>
    public IReadOnlyList<ConversionWarning> Warnings { get; init; } = [];

    /// <summary>Entries stored in all tensors.</summary>
    public long TotalNnz => Tensors.Sum(t => t.Nnz);

    /// <summary>Elements of all targets.</summary>
    public long TotalNumel => Tensors.Sum(t => t.Numel);

    /// <summary>Overall relative Frobenius error: ‖all deltas − stored‖_F / ‖all deltas‖_F.</summary>
    public double RelativeError
    {
        get
        {
            double total = 0, err = 0;
            foreach (var t in Tensors) { total += t.Energy; err += t.RelativeError * t.RelativeError * t.Energy; }
            return total == 0 ? 0 : Math.Sqrt(err / total);
        }
    }

    /// <summary>Overall fraction of the deltas' energy kept.</summary>
    public double EnergyKept
    {
        get
        {
            double total = 0, kept = 0;
            foreach (var t in Tensors) { total += t.Energy; kept += t.EnergyKept * t.Energy; }
            return total == 0 ? 1 : kept / total;
        }
    }
}
