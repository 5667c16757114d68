namespace Shira.Format;

/// <summary>Compression of a stored section.</summary>
public enum SectionCodec
{
    /// <summary>Stored as is.</summary>
    None = 0,
    /// <summary>One LZ4 block (K4os), with the decoded length in the manifest.</summary>
    Lz4Block = 1,
}
