using System.Buffers.Binary;
using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

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
            ShiraErrors.Throw(ShiraErrorCode.BadDecodedLength,
                $"{name} index bytes are {encoded.Length} long, expected {count} × {width} = {(long)count * width}",
                offset: Math.Min(encoded.Length, (long)count * width));
    }

    private static void CheckRawU32Allowed(long numel)
    {
        if (numel > RawU32MaxNumel)
            ShiraErrors.Throw(ShiraErrorCode.IndexEncodingCorrupt, $"RawU32 indices cannot address a tensor of {numel} elements (more than 2^32)", offset: 0);
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void DecodeRawU32(ReadOnlySpan<byte> encoded, long numel, Span<long> destination)
    {
        CheckRawU32Allowed(numel);
        CheckRawLength(encoded, destination.Length, 4, "RawU32");
        // Chunked: decode branch-free, check the chunk once, rescan only a chunk that failed.
        const int Chunk = 2048;
        long prev = -1;
        for (int start = 0; start < destination.Length; start += Chunk)
        {
            int end = Math.Min(destination.Length, start + Chunk);
            long chunkPrev = prev;
            bool bad = false;
            for (int i = start; i < end; i++)
            {
                long v = BinaryPrimitives.ReadUInt32LittleEndian(encoded.Slice(4 * i));
                bad |= v <= prev;
                destination[i] = prev = v;
            }
            if (bad || prev >= numel) ThrowRawProblem(destination, start, end, chunkPrev, numel, 4);
        }
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

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void DecodeRawU64(ReadOnlySpan<byte> encoded, long numel, Span<long> destination)
    {
        CheckRawLength(encoded, destination.Length, 8, "RawU64");
        const int Chunk = 2048;
        long prev = -1;
        for (int start = 0; start < destination.Length; start += Chunk)
        {
            int end = Math.Min(destination.Length, start + Chunk);
            long chunkPrev = prev;
            bool bad = false;
            for (int i = start; i < end; i++)
            {
                // A u64 ≥ 2^63 reads as negative and fails the order check; the rescan names it out of range.
                long v = BinaryPrimitives.ReadInt64LittleEndian(encoded.Slice(8 * i));
                bad |= v <= prev;
                destination[i] = prev = v;
            }
            if (bad || prev >= numel) ThrowRawProblem(destination, start, end, chunkPrev, numel, 8);
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void DecodeRawU64(ReadOnlySpan<byte> encoded, long numel, Span<uint> destination)
    {
        CheckRawLength(encoded, destination.Length, 8, "RawU64");
        const int Chunk = 2048;
        long prev = -1;
        for (int start = 0; start < destination.Length; start += Chunk)
        {
            int end = Math.Min(destination.Length, start + Chunk);
            long chunkPrev = prev;
            bool bad = false;
            for (int i = start; i < end; i++)
            {
                long v = BinaryPrimitives.ReadInt64LittleEndian(encoded.Slice(8 * i));
                bad |= v <= prev;
                destination[i] = (uint)v;
                prev = v;
            }
            if (bad || prev >= numel)
            {
                // Re-read as longs to name the culprit (numel ≤ 2^32 here, so an in-range value fits the u32 we wrote).
                Span<long> scratch = new long[end - start];
                for (int i = start; i < end; i++) scratch[i - start] = BinaryPrimitives.ReadInt64LittleEndian(encoded.Slice(8 * i));
                ThrowRawProblem(scratch, 0, end - start, chunkPrev, numel, 8, start);
            }
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void ValidateRawU64(ReadOnlySpan<byte> encoded, long numel, int count)
    {
        CheckRawLength(encoded, count, 8, "RawU64");
        const int Chunk = 2048;
        long prev = -1;
        for (int start = 0; start < count; start += Chunk)
        {
            int end = Math.Min(count, start + Chunk);
            long chunkPrev = prev;
            bool bad = false;
            for (int i = start; i < end; i++)
            {
                long v = BinaryPrimitives.ReadInt64LittleEndian(encoded.Slice(8 * i));
                bad |= v <= prev;
                prev = v;
            }
            if (bad || prev >= numel)
            {
                var scratch = new long[end - start];
                for (int i = start; i < end; i++) scratch[i - start] = BinaryPrimitives.ReadInt64LittleEndian(encoded.Slice(8 * i));
                ThrowRawProblem(scratch, 0, end - start, chunkPrev, numel, 8, start);
            }
        }
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
    private static void ThrowRawProblem(ReadOnlySpan<long> values, int start, int end, long prev, long numel, int width, int indexBase = 0)
    {
        for (int i = start; i < end; i++)
        {
            long v = values[i];
            int at = indexBase + i;
            if (v < 0 || v >= numel) ThrowOutOfRange(at, v, numel, (long)width * at);
            if (v <= prev) ThrowNotIncreasing(at, v, prev, (long)width * at);
            prev = v;
        }
    }

    private static void ThrowOutOfRange(long position, long value, long numel, long offset) =>
        ShiraErrors.Throw(ShiraErrorCode.IndexOutOfRange,
            value < 0
                ? $"index {position} ({(ulong)value}) is not below numel {numel}"
                : $"index {position} ({value}) is not below numel {numel}", offset: offset);

    private static void ThrowNotIncreasing(long position, long value, long prev, long offset) =>
        ShiraErrors.Throw(ShiraErrorCode.IndexNotIncreasing,
            $"index {position} ({value}) is not greater than the one before it ({prev})", offset: offset);
}
