using System.Diagnostics;
using System.Numerics;

namespace Shira.Format.Codecs;

/// <summary>Writes each index at its position of a destination span: the decoders' own <c>Decode</c> path.</summary>
/// <remarks>Unchecked stores: every decoder checks a block's structure before it walks it, and a block of n codes
/// adds exactly n positions inside the block, which lies inside the destination.</remarks>
internal readonly ref struct SpanSink<T>(Span<T> destination) : IIndexSink where T : unmanaged, IBinaryInteger<T>
{
    private readonly ref T _first = ref MemoryMarshal.GetReference(destination);
#if DEBUG
    private readonly int _length = destination.Length;
#endif

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Add(int position, ulong index)
    {
#if DEBUG
        Debug.Assert((uint)position < (uint)_length);
#endif
        Unsafe.Add(ref _first, position) = T.CreateTruncating(index);
    }
}

/// <summary>Discards indices: validation that only needs the decoder's checks.</summary>
internal readonly struct NullSink : IIndexSink
{
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Add(int position, ulong index) { }
}
