using System.Runtime.CompilerServices;
using System.Numerics.Tensors;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using Shira.Format;

namespace Shira.Runtime.Kernels;

/// <summary>Turns a contiguous run of stored adapter values into f32 deltas (s · v) or replacement values. Values are
/// contiguous, so this part vectorizes even though the scatter into the base cannot.</summary>
internal static class ValueWidening
{
    /// <summary>destination[i] = scale · widen(source[i]) for destination.Length values (scale 1 copies exactly).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Widen(ReadOnlySpan<byte> source, ValueDType type, float scale, Span<float> destination)
    {
        int n = destination.Length;
        switch (type)
        {
            case ValueDType.F32:
                {
                    var src = MemoryMarshal.Cast<byte, float>(source[..(n * 4)]);
                    if (scale == 1f) src.CopyTo(destination);
                    else TensorPrimitives.Multiply(src, scale, destination);
                    return;
                }
            case ValueDType.F16:
                TensorPrimitives.ConvertToSingle(MemoryMarshal.Cast<byte, Half>(source[..(n * 2)]), destination);
                break;
            case ValueDType.BF16:
                WidenBF16(MemoryMarshal.Cast<byte, ushort>(source[..(n * 2)]), destination);
                break;
            default:
                throw new ArgumentOutOfRangeException(nameof(type));
        }
        if (scale != 1f) TensorPrimitives.Multiply(destination, scale, destination);
    }

    private static void WidenBF16(ReadOnlySpan<ushort> src, Span<float> dst)
    {
        int i = 0;
        if (Vector256.IsHardwareAccelerated)
        {
            var ui = MemoryMarshal.Cast<float, uint>(dst);
            for (; i + 16 <= src.Length; i += 16)
            {
                var v = Vector256.Create(src.Slice(i, 16));
                var (lo, hi) = Vector256.Widen(v);
                Vector256.ShiftLeft(lo, 16).CopyTo(ui.Slice(i, 8));
                Vector256.ShiftLeft(hi, 16).CopyTo(ui.Slice(i + 8, 8));
            }
        }
        for (; i < src.Length; i++) dst[i] = BitConverter.Int32BitsToSingle(src[i] << 16);
    }

    /// <summary>The raw little-endian bytes of values [start, start + count) of a tensor's value section.</summary>
    public static ReadOnlySpan<byte> Slice(ReadOnlySpan<byte> values, ValueDType type, long start, int count)
    {
        int size = type.ByteSize();
        return values.Slice(checked((int)(start * size)), count * size);
    }
}
