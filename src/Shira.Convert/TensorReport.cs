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
