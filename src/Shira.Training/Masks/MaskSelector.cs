using Shira.Format;
using Shira.Format.Codecs;

namespace Shira.Training.Masks;

/// <summary>
/// The paper's mask strategies on a [rows, cols] weight, as plain CPU code over spans so that they are exact and
/// deterministic: structured (every f-th row and column plus the diagonal), random (seeded), and top-K by a score
/// (|W| for weight magnitude, accumulated |grad| for gradient, |W·grad| for SNIP; see <see cref="MaskScores"/>).
/// Top-K ties are broken by the lower flat index, so the same scores always give the same mask.
/// </summary>
public static class MaskSelector
{
    /// <summary>SHiRA-Struct with the stride whose mask size is closest to the budget (ties prefer the larger
    /// stride, i.e. the smaller mask). Rows, columns and diagonal are recorded in <see cref="SparseMask.Info"/>.</summary>
    public static SparseMask Structured(long rows, long cols, AdapterBudget budget)
    {
        ArgumentNullException.ThrowIfNull(budget);
        long stride = ChooseStride(rows, cols, budget.EntriesFor(rows, cols));
        return Structured(rows, cols, stride, budget);
    }

    /// <summary>SHiRA-Struct with an explicit stride: rows 0, f, 2f, …, the same columns, and the diagonal.</summary>
    public static SparseMask Structured(long rows, long cols, long stride, AdapterBudget? budget = null)
    {
        CheckShape(rows, cols);
        if (stride <= 0) throw new ArgumentOutOfRangeException(nameof(stride), $"stride must be positive, got {stride}");
        var (rowList, colList) = StructuredMask.EveryNth(rows, cols, stride);
        long count = StructuredMask.Count(rows, cols, rowList, colList, diagonal: true);
        var indices = new long[count];
        StructuredMask.Generate(rows, cols, rowList, colList, diagonal: true, indices);
        var info = new MaskInfo
        {
            Strategy = MaskStrategy.Structured,
            Density = (double)count / (rows * cols),
            Rank = budget?.Rank ?? 0,
            Rows = rowList,
            Columns = colList,
            Diagonal = true,
            Description = $"every {stride}th row and column plus the diagonal",
        };
        return new SparseMask(rows, cols, indices, info);
    }

    /// <summary>The stride f in 1..max(rows, cols) whose structured mask size is closest to
    /// <paramref name="targetCount"/>.</summary>
    public static long ChooseStride(long rows, long cols, long targetCount)
    {
        CheckShape(rows, cols);
        long best = 1, bestError = long.MaxValue;
        long maxStride = Math.Max(rows, cols);
        for (long f = 1; f <= maxStride; f++)
        {
            var (r, c) = StructuredMask.EveryNth(rows, cols, f);
            long error = Math.Abs(StructuredMask.Count(rows, cols, r, c, diagonal: true) - targetCount);
            if (error <= bestError) { best = f; bestError = error; }
            // Counts shrink as f grows; once below the target, larger strides only move away from it.
            if (StructuredMask.Count(rows, cols, r, c, diagonal: true) < targetCount) break;
        }
        return best;
    }

    /// <summary>SHiRA-Rand: <paramref name="budget"/>'s K positions drawn uniformly without replacement from a
    /// SplitMix64 stream seeded by <paramref name="seed"/> (same seed and shape, same mask, on every platform).</summary>
    public static SparseMask Random(long rows, long cols, AdapterBudget budget, ulong seed)
    {
        ArgumentNullException.ThrowIfNull(budget);
        long k = budget.EntriesFor(rows, cols);
        var indices = RandomIndices(rows * cols, k, seed);
        return new SparseMask(rows, cols, indices, Info(MaskStrategy.Random, rows, cols, k, budget) with { Seed = seed });
    }

    /// <summary>Floyd's sampling of <paramref name="k"/> distinct positions below <paramref name="numel"/>, sorted.</summary>
    public static long[] RandomIndices(long numel, long k, ulong seed)
    {
        if (numel <= 0 || k < 0 || k > numel || k > Array.MaxLength)
            throw new ArgumentOutOfRangeException(nameof(k), $"cannot draw {k} of {numel} positions");
        var chosen = new HashSet<long>(checked((int)k));
        ulong state = seed;
        for (long j = numel - k; j < numel; j++)
        {
            long t = (long)(NextUInt64(ref state) % (ulong)(j + 1));
            chosen.Add(chosen.Contains(t) ? j : t);
        }
        var result = new long[k];
        chosen.CopyTo(result);
        Array.Sort(result);
        return result;
    }

    /// <summary>Top-K by <paramref name="scores"/> (one non-negative finite score per element, row-major): the K
    /// highest, ties to the lower index, returned in increasing index order.</summary>
    public static SparseMask TopK(ReadOnlySpan<float> scores, long rows, long cols, AdapterBudget budget, MaskStrategy strategy)
    {
        ArgumentNullException.ThrowIfNull(budget);
        CheckShape(rows, cols);
        if (scores.Length != rows * cols)
            throw new ArgumentException($"{scores.Length} scores for a [{rows}, {cols}] weight", nameof(scores));
        long k = budget.EntriesFor(rows, cols);
        return new SparseMask(rows, cols, TopKIndices(scores, k), Info(strategy, rows, cols, k, budget));
    }

    /// <summary>The indices of the <paramref name="k"/> highest scores (ties to the lower index), sorted increasing.</summary>
    public static long[] TopKIndices(ReadOnlySpan<float> scores, long k)
    {
        if (k < 0 || k > scores.Length) throw new ArgumentOutOfRangeException(nameof(k), $"cannot pick {k} of {scores.Length} scores");
        if ((ulong)scores.Length > uint.MaxValue) throw new ArgumentException("top-K supports at most 2^32 elements", nameof(scores));
        // One sortable key per element: the inverted score bits (high first) above the index (low first).
        // Non-negative IEEE floats order like their bit patterns.
        var keys = new ulong[scores.Length];
        for (int i = 0; i < scores.Length; i++)
        {
            float s = scores[i];
            if (!float.IsFinite(s) || s < 0)
                throw new ArgumentException($"mask score {s} at index {i} is not a finite non-negative number", nameof(scores));
            uint bits = BitConverter.SingleToUInt32Bits(s == 0 ? 0f : s); // -0 was excluded above; +0 stays
            keys[i] = ((ulong)~bits << 32) | (uint)i;
        }
        Array.Sort(keys);
        var result = new long[k];
        for (long i = 0; i < k; i++) result[i] = (long)(keys[i] & 0xFFFF_FFFF);
        Array.Sort(result);
        return result;
    }

    private static MaskInfo Info(MaskStrategy strategy, long rows, long cols, long k, AdapterBudget budget) => new()
    {
        Strategy = strategy,
        Density = budget.Rank > 0 ? (double)k / (rows * cols) : budget.Density,
        Rank = budget.Rank,
    };

    private static void CheckShape(long rows, long cols)
    {
        if (rows <= 0 || cols <= 0) throw new ArgumentOutOfRangeException(rows <= 0 ? nameof(rows) : nameof(cols), $"bad weight shape [{rows}, {cols}]");
    }

    // SplitMix64: tiny, fast, fully specified, so masks do not depend on System.Random's implementation.
    private static ulong NextUInt64(ref ulong state)
    {
        ulong z = state += 0x9E3779B97F4A7C15UL;
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return z ^ (z >> 31);
    }
}
