namespace Shira.Format.Manifest;

/// <summary>Hard limits of format v1 (spec/SPEC.md §8), independent of reader options.</summary>
internal static class ManifestLimits
{
    /// <summary>Largest stored or decoded length of one section: 2^31 − 64 bytes, so every section fits one span.</summary>
    public const long MaxSectionBytes = int.MaxValue - 63;

    /// <summary>Largest nnz of one tensor (= largest count of one index set): 2^31 − 64.</summary>
    public const long MaxNnz = int.MaxValue - 63;

    /// <summary>Largest expansion of an LZ4 block: decoded length ≤ 255 × stored length.</summary>
    public const int MaxLz4Ratio = 255;

    /// <summary>Smallest and largest tensor rank.</summary>
    public const int MinRank = 1, MaxRank = 4;

    /// <summary>Largest rank of a base-fingerprint entry.</summary>
    public const int MaxFingerprintRank = 8;
}
