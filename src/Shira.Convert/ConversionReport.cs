using Shira.Format;

namespace Shira.Convert;

/// <summary>What happened to one target tensor.</summary>
/// <param name="Tensor">Base tensor name.</param>
/// <param name="Kind">lora, lora-embedding, dora, lora-bias, dense, shira, diff-add, diff-replace.</param>
/// <param name="Shape">Target shape.</param>
/// <param name="Nnz">Entries stored.</param>
/// <param name="Numel">Elements of the target.</param>
/// <param name="Semantics">Add or Replace.</param>
/// <param name="Rank">LoRA/SHiRA rank for the module (0 when not applicable).</param>
/// <param name="Scaling">LoRA scaling folded into the values (1 when not applicable).</param>
/// <param name="RelativeError">‖full − stored‖_F / ‖full‖_F, measured after rounding to the value type.</param>
/// <param name="EnergyKept">Σ stored² / Σ full².</param>
/// <param name="Energy">Σ full² of the delta (0 for replacements), the weight of this tensor in the overall figures.</param>
public sealed record TensorReport(string Tensor, string Kind, IReadOnlyList<long> Shape, long Nnz, long Numel, Semantics Semantics,
    int Rank, double Scaling, double RelativeError, double EnergyKept, double Energy = 0);

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
