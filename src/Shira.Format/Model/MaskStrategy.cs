namespace Shira.Format;

/// <summary>How a mask was chosen (recorded as metadata; the indices are authoritative).</summary>
public enum MaskStrategy
{
    /// <summary>Not recorded.</summary>
    Unspecified = 0,
    /// <summary>SHiRA-Struct: every f-th row and column plus the diagonal.</summary>
    Structured = 1,
    /// <summary>Uniformly random with a seed (SHiRA-Rand, PEFT's default).</summary>
    Random = 2,
    /// <summary>Top-K by |W| of the base weights (SHiRA-WM).</summary>
    WeightMagnitude = 3,
    /// <summary>Top-K by accumulated |grad| over calibration batches (SHiRA-Grad).</summary>
    Gradient = 4,
    /// <summary>Top-K by |W · grad| (SHiRA-SNIP).</summary>
    Snip = 5,
    /// <summary>Top-K entries of a dense delta (LoRA → SHiRA sparsification, top-k diffs).</summary>
    TopKDelta = 6,
    /// <summary>Every entry that differs between two checkpoints.</summary>
    ExactDiff = 7,
    /// <summary>Anything else; describe it in the metadata.</summary>
    Custom = 8,
}
