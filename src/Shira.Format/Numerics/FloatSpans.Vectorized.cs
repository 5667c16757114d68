using System.Runtime.Intrinsics;

namespace Shira.Format.Numerics;

public static partial class FloatSpans
{
    /// <summary>bf16 → f32 for as many whole vectors as fit; returns the count done (the caller finishes the tail).</summary>
    private static int WidenBF16Vectorized(ReadOnlySpan<ushort> source, Span<float> destination)
    {
        if (!Vector128.IsHardwareAccelerated) return 0;
        int n = Math.Min(source.Length, destination.Length), i = 0;
        ref ushort src = ref MemoryMarshal.GetReference(source);
        ref uint dst = ref Unsafe.As<float, uint>(ref MemoryMarshal.GetReference(destination));
        if (Vector256.IsHardwareAccelerated)
        {
            for (; i <= n - Vector256<ushort>.Count; i += Vector256<ushort>.Count)
            {
                var (lo, hi) = Vector256.Widen(Vector256.LoadUnsafe(ref src, (nuint)i));
                (lo << 16).StoreUnsafe(ref dst, (nuint)i);
                (hi << 16).StoreUnsafe(ref dst, (nuint)(i + Vector256<uint>.Count));
            }
        }
        for (; i <= n - Vector128<ushort>.Count; i += Vector128<ushort>.Count)
        {
            var (lo, hi) = Vector128.Widen(Vector128.LoadUnsafe(ref src, (nuint)i));
            (lo << 16).StoreUnsafe(ref dst, (nuint)i);
            (hi << 16).StoreUnsafe(ref dst, (nuint)(i + Vector128<uint>.Count));
        }
        return i;
    }

    /// <summary>f32 → bf16, round to nearest even, NaN kept as a quiet NaN with its sign — bit-identical to
    /// <see cref="FloatBits.SingleToBF16"/>. Returns the count done (the caller finishes the tail).</summary>
    private static int NarrowBF16Vectorized(ReadOnlySpan<float> source, Span<ushort> destination)
    {
        if (!Vector256.IsHardwareAccelerated) return 0;
        int n = Math.Min(source.Length, destination.Length), i = 0;
        ref uint src = ref Unsafe.As<float, uint>(ref MemoryMarshal.GetReference(source));
        ref ushort dst = ref MemoryMarshal.GetReference(destination);
        for (; i <= n - Vector256<ushort>.Count; i += Vector256<ushort>.Count)
        {
            var a = RoundBF16(Vector256.LoadUnsafe(ref src, (nuint)i));
            var b = RoundBF16(Vector256.LoadUnsafe(ref src, (nuint)(i + Vector256<uint>.Count)));
            Vector256.Narrow(a, b).StoreUnsafe(ref dst, (nuint)i);
        }
        return i;
    }

    private static Vector256<uint> RoundBF16(Vector256<uint> u)
    {
        var rounded = (u + Vector256.Create(0x7FFFu) + ((u >> 16) & Vector256<uint>.One)) >> 16;
        var nan = (u >> 16) | Vector256.Create(0x0040u);
        // Unsigned compare of |u| against the infinity pattern: above it means NaN.
        var isNan = Vector256.GreaterThan(u & Vector256.Create(0x7FFF_FFFFu), Vector256.Create(0x7F80_0000u));
        return Vector256.ConditionalSelect(isNan, nan, rounded);
    }
}
