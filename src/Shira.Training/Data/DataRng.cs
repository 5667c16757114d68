namespace Shira.Training.Data;

/// <summary>
/// SplitMix64: a tiny generator whose sequence is fixed by its seed on every platform and runtime version, so the
/// generated task data is reproducible bit for bit (System.Random makes no such promise across versions).
/// </summary>
public sealed class DataRng
{
    private ulong _state;

    /// <summary>Starts a sequence.</summary>
    public DataRng(ulong seed) => _state = seed;

    /// <summary>The next 64 random bits.</summary>
    public ulong NextUInt64()
    {
        ulong z = _state += 0x9E3779B97F4A7C15UL;
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return z ^ (z >> 31);
    }

    /// <summary>Uniform integer in [0, <paramref name="maxExclusive"/>).</summary>
    public int Next(int maxExclusive)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(maxExclusive);
        // Multiply-shift on the top 32 bits: bias below 2^-32 for the small ranges used here.
        return (int)(((NextUInt64() >> 32) * (ulong)maxExclusive) >> 32);
    }

    /// <summary>Uniform integer in [<paramref name="min"/>, <paramref name="maxInclusive"/>].</summary>
    public int Next(int min, int maxInclusive) => min + Next(maxInclusive - min + 1);

    /// <summary>Uniform double in [0, 1).</summary>
    public double NextDouble() => (NextUInt64() >> 11) * (1.0 / (1UL << 53));

    /// <summary>Derives an independent stream (for one task or one split) from this seed and a label.</summary>
    public static DataRng Derive(ulong seed, string label)
    {
        ulong h = 0xCBF29CE484222325UL;
        foreach (var c in label) h = (h ^ c) * 0x100000001B3UL;
        return new DataRng(seed ^ h);
    }
}
