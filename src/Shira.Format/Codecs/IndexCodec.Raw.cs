using System.Numerics;

namespace Shira.Format.Codecs;

// RAW_U32 / RAW_U64: little-endian positions, decoded by a copy fused with validation.
public static partial class IndexCodec
{
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void WriteRawU32(ReadOnlySpan<long> indices, Span<byte> output)
    {
        for (int i = 0; i < indices.Length; i++)
            BinaryPrimitives.WriteUInt32LittleEndian(output.Slice(4 * i), (uint)indices[i]);
    }

    private static void WriteRawU64(ReadOnlySpan<long> indices, Span<byte> output)
    {
        if (BitConverter.IsLittleEndian) { MemoryMarshal.AsBytes(indices).CopyTo(output); return; }
        for (int i = 0; i < indices.Length; i++)
            BinaryPrimitives.WriteInt64LittleEndian(output.Slice(8 * i), indices[i]);
    }

    private static void CheckRawLength(ReadOnlySpan<byte> encoded, int count, int width, string name)
    {
        if (encoded.Length != (long)count * width)
            throw ShiraErrors.BadDecodedLength($"{name} index bytes are {encoded.Length} long, expected {count} × {width} = {(long)count * width}",
                offset: Math.Min(encoded.Length, (long)count * width));
    }

    private static void CheckRawU32Allowed(long numel)
    {
        if (numel > RawU32MaxNumel)
            throw ShiraErrors.IndexEncodingCorrupt($"RawU32 indices cannot address a tensor of {numel} elements (more than 2^32)", offset: 0);
    }

    private static void DecodeRawU32(ReadOnlySpan<byte> encoded, long numel, Span<long> destination)
    {
        CheckRawU32Allowed(numel);
        ScanRaw<U32Width, long>(encoded, numel, destination.Length, destination);
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void DecodeRawU32(ReadOnlySpan<byte> encoded, long numel, Span<uint> destination)
    {
        CheckRawU32Allowed(numel);
        CheckRawLength(encoded, destination.Length, 4, "RawU32");
        if (BitConverter.IsLittleEndian) MemoryMarshal.Cast<byte, uint>(encoded).CopyTo(destination);
        else for (int i = 0; i < destination.Length; i++) destination[i] = BinaryPrimitives.ReadUInt32LittleEndian(encoded.Slice(4 * i));
        ValidateU32(destination, numel);
    }

    private static void DecodeRawU64<T>(ReadOnlySpan<byte> encoded, long numel, Span<T> destination)
        where T : unmanaged, IBinaryInteger<T> =>
        ScanRaw<U64Width, T>(encoded, numel, destination.Length, destination);

    /// <summary>Reads <paramref name="count"/> raw indices, stores them when <paramref name="destination"/> is not
    /// empty (narrowed to <typeparamref name="T"/>: u32 only when numel ≤ 2^32) and checks them. Chunked: read
    /// branch-free, check the chunk once, rescan only a chunk that failed.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void ScanRaw<TWidth, T>(ReadOnlySpan<byte> encoded, long numel, int count, Span<T> destination)
        where TWidth : struct, IRawWidth where T : unmanaged, IBinaryInteger<T>
    {
        CheckRawLength(encoded, count, TWidth.Width, TWidth.Name);
        bool store = !destination.IsEmpty;
        const int Chunk = 2048;
        long prev = -1;
        for (int start = 0; start < count; start += Chunk)
        {
            int end = Math.Min(count, start + Chunk);
            long chunkPrev = prev;
            bool bad = false;
            for (int i = start; i < end; i++)
            {
                long v = TWidth.Read(encoded, i);
                bad |= v <= prev;
                if (store) destination[i] = T.CreateTruncating(v);
                prev = v;
            }
            if (bad || prev >= numel) ThrowRawProblem<TWidth>(encoded, start, end, chunkPrev, numel);
        }
    }

    /// <summary>How one raw index is read.</summary>
    private interface IRawWidth
    {
        static abstract int Width { get; }
        static abstract string Name { get; }
        static abstract long Read(ReadOnlySpan<byte> encoded, int i);
    }

    private readonly struct U32Width : IRawWidth
    {
        public static int Width => 4;
        public static string Name => "RawU32";
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static long Read(ReadOnlySpan<byte> encoded, int i) => BinaryPrimitives.ReadUInt32LittleEndian(encoded.Slice(4 * i));
    }

    private readonly struct U64Width : IRawWidth
    {
        public static int Width => 8;
        public static string Name => "RawU64";
        // A u64 ≥ 2^63 reads as negative: it fails the order check, and the rescan names it out of range.
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static long Read(ReadOnlySpan<byte> encoded, int i) => BinaryPrimitives.ReadInt64LittleEndian(encoded.Slice(8 * i));
    }

    /// <summary>Validates u32 indices in place (strictly increasing, below numel).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void ValidateU32(ReadOnlySpan<uint> values, long numel)
    {
        if (values.IsEmpty) return;
        // One vector compare per Vector<uint>.Count pairs (each value against its predecessor, loaded one element
        // back); only the last value needs the range test, as the sequence is then strictly increasing. The scalar
        // rescan below names the culprit only when the fast check fails.
        bool bad = false;
        int i = 1;
        if (Vector.IsHardwareAccelerated && values.Length > Vector<uint>.Count)
        {
            ref uint v = ref MemoryMarshal.GetReference(values);
            var acc = Vector<uint>.Zero;
            for (; i + Vector<uint>.Count <= values.Length; i += Vector<uint>.Count)
            {
                var cur = Vector.LoadUnsafe(ref v, (nuint)i);
                var prev = Vector.LoadUnsafe(ref v, (nuint)(i - 1));
                acc |= Vector.LessThanOrEqual(cur, prev);
            }
            bad = acc != Vector<uint>.Zero;
        }
        for (; i < values.Length; i++) bad |= values[i] <= values[i - 1];
        if (!bad && values[^1] < numel) return;
        long p = -1;
        for (int k = 0; k < values.Length; k++)
        {
            long x = values[k];
            if (x >= numel) ThrowOutOfRange(k, x, numel, 4L * k);
            if (x <= p) ThrowNotIncreasing(k, x, p, 4L * k);
            p = x;
        }
    }

    /// <summary>Finds and reports the first bad value of a chunk that failed the fast check.</summary>
    private static void ThrowRawProblem<TWidth>(ReadOnlySpan<byte> encoded, int start, int end, long prev, long numel)
        where TWidth : struct, IRawWidth
    {
        for (int i = start; i < end; i++)
        {
            long v = TWidth.Read(encoded, i);
            if (v < 0 || v >= numel) ThrowOutOfRange(i, v, numel, (long)TWidth.Width * i);
            if (v <= prev) ThrowNotIncreasing(i, v, prev, (long)TWidth.Width * i);
            prev = v;
        }
    }

    private static void ThrowOutOfRange(long position, long value, long numel, long offset) =>
        throw ShiraErrors.IndexOutOfRange(value < 0
                ? $"index {position} ({(ulong)value}) is not below numel {numel}"
                : $"index {position} ({value}) is not below numel {numel}", offset: offset);

    private static void ThrowNotIncreasing(long position, long value, long prev, long offset) =>
        throw ShiraErrors.IndexNotIncreasing($"index {position} ({value}) is not greater than the one before it ({prev})", offset: offset);
}
