namespace Shira.Format.Tests.Codecs;

/// <summary>Deterministic index-set generators for codec tests and their independent checks.</summary>
internal static class IndexSets
{
    /// <summary>The byte encodings (everything but Auto and Structured).</summary>
    public static readonly IndexEncoding[] ByteEncodings =
        [IndexEncoding.RawU32, IndexEncoding.RawU64, IndexEncoding.DeltaBitPacked, IndexEncoding.DeltaVarint];

    /// <summary>A uniformly random mask of density p (i.i.d. geometric gaps), at most <paramref name="cap"/> indices.</summary>
    public static long[] Random(long numel, double p, int seed, int cap = int.MaxValue)
    {
        var rng = new Random(seed);
        var list = new List<long>();
        if (p <= 0) return [];
        if (p >= 1)
        {
            for (long i = 0; i < numel && list.Count < cap; i++) list.Add(i);
            return [.. list];
        }
        double logQ = Math.Log(1 - p);
        long x = -1;
        while (list.Count < cap)
        {
            double u = 1 - rng.NextDouble(); // (0, 1]
            double gap = Math.Floor(Math.Log(u) / logQ);
            if (gap >= numel - x - 1) break;
            x += (long)gap + 1;
            list.Add(x);
        }
        return [.. list];
    }

    /// <summary>Runs of consecutive positions separated by random gaps.</summary>
    public static long[] Runs(long numel, int seed, int maxRun, long maxGap, int cap)
    {
        var rng = new Random(seed);
        var list = new List<long>();
        long x = rng.NextInt64(0, Math.Min(numel, maxGap + 1));
        while (x < numel && list.Count < cap)
        {
            int run = rng.Next(1, maxRun + 1);
            for (int i = 0; i < run && x < numel && list.Count < cap; i++) list.Add(x++);
            long gap = rng.NextInt64(1, maxGap + 1);
            if (gap >= numel - x) break; // also keeps x from overflowing near long.MaxValue
            x += gap;
        }
        return [.. list];
    }

    /// <summary>Asserts a decoded set is strictly increasing and below numel (used for fuzzed inputs).</summary>
    public static void AssertValidSet(ReadOnlySpan<long> set, long numel)
    {
        for (int i = 0; i < set.Length; i++)
        {
            // Plain comparisons: per-element Assert calls dominate the run time of large sets.
            if (set[i] < 0 || set[i] >= numel) Assert.Fail($"index {i} ({set[i]}) is outside 0..{numel - 1}");
            if (i > 0 && set[i] <= set[i - 1]) Assert.Fail($"index {i} ({set[i]}) is not above {set[i - 1]}");
        }
    }

    /// <summary>Asserts two sets are equal, naming the first difference.</summary>
    public static void AssertSame(ReadOnlySpan<long> expected, ReadOnlySpan<long> actual)
    {
        Assert.Equal(expected.Length, actual.Length);
        for (int i = 0; i < expected.Length; i++)
            if (expected[i] != actual[i]) Assert.Fail($"index {i}: expected {expected[i]}, got {actual[i]}");
    }

    /// <summary>Asserts a u32 decode equals the expected set.</summary>
    public static void AssertSame(ReadOnlySpan<long> expected, ReadOnlySpan<uint> actual)
    {
        Assert.Equal(expected.Length, actual.Length);
        for (int i = 0; i < expected.Length; i++)
            if (expected[i] != actual[i]) Assert.Fail($"index {i}: expected {expected[i]}, got {actual[i]}");
    }

    /// <summary>log2 C(n, k) / k: the entropy bound in bits per index of a uniformly random k-subset of n.</summary>
    public static double EntropyBitsPerIndex(long n, long k)
    {
        double bits = 0;
        for (long i = 0; i < k; i++) bits += Math.Log2((double)(n - i) / (k - i));
        return bits / k;
    }
}
