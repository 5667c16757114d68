namespace Shira.Format;

/// <summary>What a tensor entry's values mean for the base weights at its indices.</summary>
public enum Semantics
{
    /// <summary>W[i] = W[i] + scale · v (what PEFT stores and merges).</summary>
    Add = 1,
    /// <summary>W[i] = v (the paper's overwrite form; <c>scale</c> is ignored and must be 1).</summary>
    Replace = 2,
}

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

/// <summary>Index encodings of an index set.</summary>
public enum IndexEncoding
{
    /// <summary>Writer only: choose the smallest applicable encoding.</summary>
    Auto = 0,
    /// <summary>Raw little-endian u32 flat positions (zero-copy).</summary>
    RawU32 = 1,
    /// <summary>Raw little-endian u64 flat positions (zero-copy).</summary>
    RawU64 = 2,
    /// <summary>Delta coding in fixed blocks, bit-packed, with a skip table.</summary>
    DeltaBitPacked = 3,
    /// <summary>Delta coding in fixed blocks, byte-oriented (Stream-VByte-like), with a skip table.</summary>
    DeltaVarint = 4,
    /// <summary>SHiRA-Struct masks: rows + columns + diagonal; no per-element index stored.</summary>
    Structured = 5,
}

/// <summary>Compression of a stored section.</summary>
public enum SectionCodec
{
    /// <summary>Stored as is.</summary>
    None = 0,
    /// <summary>One LZ4 block (K4os), with the decoded length in the manifest.</summary>
    Lz4Block = 1,
}
