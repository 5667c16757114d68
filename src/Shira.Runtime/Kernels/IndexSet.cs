namespace Shira.Runtime.Kernels;

/// <summary>Decoded, validated flat indices of one tensor: u32 when the tensor has at most 2^32 elements, i64
/// otherwise. Strictly increasing and below the tensor's element count (checked before any write).</summary>
internal sealed class IndexSet
{
    public IndexSet(uint[] u32, int count) { U32 = u32; Count = count; }
    public IndexSet(long[] i64, int count) { I64 = i64; Count = count; }

    public uint[]? U32 { get; }
    public long[]? I64 { get; }
    public int Count { get; }

    public long this[int k] => U32 is not null ? U32[k] : I64![k];

    /// <summary>The first k with index ≥ <paramref name="position"/> (Count when none).</summary>
    public int LowerBound(long position)
    {
        int lo = 0, hi = Count;
        while (lo < hi)
        {
            int mid = (int)(((uint)lo + (uint)hi) >> 1);
            if (this[mid] < position) lo = mid + 1; else hi = mid;
        }
        return lo;
    }

    public ReadOnlySpan<uint> U32Span(int start, int count) => U32.AsSpan(start, count);
    public ReadOnlySpan<long> I64Span(int start, int count) => I64.AsSpan(start, count);
}
