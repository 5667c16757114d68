namespace Shira.Format.Container;

/// <summary>Limits and checks applied by <see cref="ShiraReader"/>.</summary>
public sealed record ShiraReaderOptions
{
    /// <summary>Largest manifest accepted, in bytes (default 64 MiB).</summary>
    public int MaxManifestBytes { get; init; } = 64 << 20;
    /// <summary>Protobuf recursion limit for the manifest (default 16).</summary>
    public int MaxRecursionDepth { get; init; } = 16;
    /// <summary>Largest number of tensor entries (default 1,000,000).</summary>
    public int MaxTensors { get; init; } = 1_000_000;
    /// <summary>Verify a section's checksum the first time its bytes are read (default true).</summary>
    public bool VerifyChecksums { get; init; } = true;
}
