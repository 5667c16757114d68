using Shira.Convert.Selection;
using Shira.Format;
using Shira.Format.Container;


namespace Shira.Convert;

/// <summary>Options for <see cref="PeftConverter.Convert"/>.</summary>
public sealed record ConvertOptions
{
    /// <summary>The base checkpoint (file or sharded folder): checks targets and shapes, records base dtypes;
    /// required for DoRA and for SHiRA adapters whose shapes cannot be inferred.</summary>
    public string? BasePath { get; init; }
    /// <summary>How LoRA deltas are sparsified (default: the LoRA's own parameter count per module).</summary>
    public SparsifyMode Mode { get; init; } = SparsifyMode.LoraBudget;
    /// <summary>Fraction of entries kept per tensor for <see cref="SparsifyMode.Density"/> (1 keeps every entry).</summary>
    public double Density { get; init; } = 1;
    /// <summary>Fraction of each module's squared delta to keep for <see cref="SparsifyMode.Energy"/>.</summary>
    public double Energy { get; init; } = 0.99;
    /// <summary>Value type for LoRA-derived deltas; null keeps the source type for SHiRA imports (f32 for LoRA).</summary>
    public ValueDType? ValueDType { get; init; }
    /// <summary>Container writer options.</summary>
    public ShiraWriterOptions? Writer { get; init; }
    /// <summary>Receives one report per finished tensor.</summary>
    public IProgress<ConvertProgress>? Progress { get; init; }

    internal void Validate()
    {
        if (Mode == SparsifyMode.Density && !(Density > 0 && Density <= 1))
            throw new ArgumentOutOfRangeException(nameof(Density), $"density must be in (0, 1], got {Density}");
        if (Mode == SparsifyMode.Energy && !(Energy > 0 && Energy <= 1))
            throw new ArgumentOutOfRangeException(nameof(Energy), $"energy must be in (0, 1], got {Energy}");
    }
}
