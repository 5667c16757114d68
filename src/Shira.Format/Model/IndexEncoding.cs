namespace Shira.Format;

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
