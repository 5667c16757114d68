using CsCheck;
using Shira.Format.Numerics;

namespace Shira.Format.Tests.Numerics;

/// <summary>f32 → bf16/f16 against a brute-force reference that picks the nearest representable value by exact
/// distance (ties to the even pattern, overflow past max + half an ulp to infinity), as IEEE 754 and PyTorch do.</summary>
public class FloatConversionTests
{
    // ---- the reference: nearest by distance, computed in double (exact for these operands) --------------

    private static ushort ReferenceBF16(float x)
    {
        uint u = BitConverter.SingleToUInt32Bits(x);
        ushort sign = (ushort)((u >> 16) & 0x8000);
        double ax = Math.Abs((double)x);
        ushort lo = (ushort)((u >> 16) & 0x7FFF); // largest bf16 magnitude <= |x| (truncation)
        ushort hi = (ushort)(lo + 1);
        double vlo = BitConverter.Int32BitsToSingle(lo << 16);
        double vhi = hi == 0x7F80 ? Math.Pow(2, 128) : BitConverter.Int32BitsToSingle(hi << 16); // unbounded exponent
        return (ushort)(sign | Nearest(ax, lo, vlo, hi, vhi));
    }

    private static readonly double[] HalfValues =
        Enumerable.Range(0, 0x7C00).Select(b => (double)BitConverter.UInt16BitsToHalf((ushort)b)).ToArray();

    private static ushort ReferenceF16(float x)
    {
        uint u = BitConverter.SingleToUInt32Bits(x);
        ushort sign = (ushort)((u >> 16) & 0x8000);
        double ax = Math.Abs((double)x);
        if (double.IsInfinity(ax)) return (ushort)(sign | 0x7C00);
        int idx = Array.BinarySearch(HalfValues, ax);
        ushort lo = (ushort)(idx >= 0 ? idx : ~idx - 1);
        ushort hi = (ushort)(lo + 1);
        double vlo = HalfValues[lo];
        double vhi = hi == 0x7C00 ? 65536.0 : HalfValues[hi];
        return (ushort)(sign | Nearest(ax, lo, vlo, hi, vhi));
    }

    private static ushort Nearest(double ax, ushort lo, double vlo, ushort hi, double vhi)
    {
        if (ax == vlo) return lo;
        double dlo = ax - vlo, dhi = vhi - ax;
        if (dlo < dhi) return lo;
        if (dhi < dlo) return hi;
        return (lo & 1) == 0 ? lo : hi;
    }

    private static bool IsNaNBF16(ushort b) => (b & 0x7F80) == 0x7F80 && (b & 0x007F) != 0;
    private static bool IsNaNF16(ushort b) => (b & 0x7C00) == 0x7C00 && (b & 0x03FF) != 0;

    private static void CheckBF16(float x)
    {
        ushort got = FloatBits.SingleToBF16(x);
        if (float.IsNaN(x))
        {
            if (!IsNaNBF16(got) || BitConverter.SingleToUInt32Bits(x) >> 31 != (uint)got >> 15)
                Assert.Fail($"NaN {BitConverter.SingleToUInt32Bits(x):X8} -> {got:X4}");
        }
        else if (ReferenceBF16(x) != got)
        {
            Assert.Fail($"{BitConverter.SingleToUInt32Bits(x):X8}: expected {ReferenceBF16(x):X4}, got {got:X4}");
        }
    }

    private static void CheckF16(float x)
    {
        ushort got = FloatBits.SingleToF16(x);
        if (float.IsNaN(x) ? !IsNaNF16(got) : ReferenceF16(x) != got)
            Assert.Fail($"{BitConverter.SingleToUInt32Bits(x):X8}: expected {ReferenceF16(x):X4}, got {got:X4}");
    }

    /// <summary>Every bf16 value, the midpoints to its neighbour (ties), one f32 ulp either side, and the patterns with
    /// the low half 0x0001/0x7FFF/0xFFFF — covers ties both ways, subnormals, max, overflow to inf, signed zeros.</summary>
    private static IEnumerable<uint> BF16EdgePatterns()
    {
        for (uint hi = 0; hi <= 0xFFFF; hi++)
        {
            uint b = hi << 16;
            yield return b;
            yield return b | 0x0001;
            yield return b | 0x7FFF;
            yield return b | 0x8000;
            yield return b | 0x8001;
            yield return b | 0xFFFF;
        }
    }

    [Fact]
    public void BF16_matches_the_reference_on_every_edge_pattern()
    {
        foreach (uint u in BF16EdgePatterns()) CheckBF16(BitConverter.UInt32BitsToSingle(u));
    }

    [Fact]
    public void BF16_named_cases()
    {
        Assert.Equal(0x3F80, FloatBits.SingleToBF16(1f));
        Assert.Equal(0x3F80, FloatBits.SingleToBF16(BitConverter.UInt32BitsToSingle(0x3F80_8000))); // tie, even stays
        Assert.Equal(0x3F82, FloatBits.SingleToBF16(BitConverter.UInt32BitsToSingle(0x3F81_8000))); // tie, odd rounds up
        Assert.Equal(0x7F7F, FloatBits.SingleToBF16(BitConverter.UInt32BitsToSingle(0x7F7F_7FFF))); // below max + half ulp
        Assert.Equal(0x7F80, FloatBits.SingleToBF16(float.MaxValue)); // f32 max rounds to +inf in bf16
        Assert.Equal(0xFF80, FloatBits.SingleToBF16(float.NegativeInfinity));
        Assert.Equal(0x8000, FloatBits.SingleToBF16(-0f));
        Assert.Equal(0x0001, FloatBits.SingleToBF16(BitConverter.UInt32BitsToSingle(0x0000_8001))); // subnormal rounds up
        Assert.True(IsNaNBF16(FloatBits.SingleToBF16(BitConverter.UInt32BitsToSingle(0x7F80_0001)))); // sNaN must not become inf
        Assert.True(IsNaNBF16(FloatBits.SingleToBF16(BitConverter.UInt32BitsToSingle(0xFFFF_FFFF))));
    }

    [Fact]
    public void F16_matches_the_reference_on_every_value_and_midpoint()
    {
        for (int b = 0; b < 0x7C00; b++)
        {
            float v = (float)BitConverter.UInt16BitsToHalf((ushort)b);
            float next = b + 1 < 0x7C00 ? (float)BitConverter.UInt16BitsToHalf((ushort)(b + 1)) : 65536f;
            float mid = (float)(((double)v + next) / 2); // exact: 12 significant bits
            foreach (float x in new[] { v, mid, MathF.BitDecrement(mid), MathF.BitIncrement(mid), MathF.BitIncrement(v) })
            {
                CheckF16(x);
                CheckF16(-x);
            }
        }
        foreach (float x in new[] { float.MaxValue, float.Epsilon, 1e-8f, 2.9802322E-08f, float.PositiveInfinity, float.NaN, 65519.996f, 65520f })
        {
            CheckF16(x);
            CheckF16(-x);
        }
    }

    [Fact]
    public void Random_floats_match_the_reference()
    {
        Gen.UInt.Sample(u =>
        {
            float x = BitConverter.UInt32BitsToSingle(u);
            CheckBF16(x);
            CheckF16(x);
        }, iter: 20_000);
    }

    [Fact]
    public void Widening_is_exact()
    {
        for (int b = 0; b <= 0xFFFF; b++)
        {
            float bf = FloatBits.BF16ToSingle((ushort)b);
            Assert.Equal((uint)b << 16, BitConverter.SingleToUInt32Bits(bf));
            float h = FloatBits.F16ToSingle((ushort)b);
            if (IsNaNF16((ushort)b)) Assert.True(float.IsNaN(h));
            else Assert.Equal(b, FloatBits.SingleToF16(h)); // f16 → f32 → f16 is the identity
        }
    }

    // ---- span versions (vectorized) agree with the scalar ones at every length and alignment ----------------

    [Fact]
    public void Span_conversions_equal_the_scalar_ones()
    {
        // Low halves at the rounding boundaries (ties, one off), so the vector paths meet every rounding case.
        var edgy = Gen.Select(Gen.UInt, Gen.OneOf(Gen.UInt[0, 0xFFFF], Gen.OneOf(0u, 0x7FFFu, 0x8000u, 0x8001u, 0xFFFFu, 1u)))
            .Select((hi, lo) => (hi & 0xFFFF_0000u) | lo);
        Gen.Select(edgy.Array[0, 70], Gen.Int[0, 3]).Sample((bits, skip) =>
        {
            var floats = bits.Select(BitConverter.UInt32BitsToSingle).ToArray();
            var src = floats.AsSpan(Math.Min(skip, floats.Length)); // unaligned starts
            foreach (var vt in new[] { ValueDType.BF16, ValueDType.F16, ValueDType.F32 })
            {
                int size = vt.ByteSize();
                var bytes = new byte[src.Length * size + 1];
                var dst = bytes.AsSpan(1); // unaligned destination
                FloatSpans.FromSingle(src, vt, dst);
                for (int i = 0; i < src.Length; i++)
                {
                    uint expected = vt switch
                    {
                        ValueDType.BF16 => FloatBits.SingleToBF16(src[i]),
                        ValueDType.F16 => FloatBits.SingleToF16(src[i]),
                        _ => BitConverter.SingleToUInt32Bits(src[i]),
                    };
                    uint got = size == 2 ? BitConverter.ToUInt16(dst[(i * 2)..]) : BitConverter.ToUInt32(dst[(i * 4)..]);
                    Assert.Equal(expected, got);
                }
                var back = new float[src.Length];
                FloatSpans.ToSingle(dst, vt, back);
                for (int i = 0; i < src.Length; i++)
                {
                    float expected = FloatBits.Read(dst, vt, i);
                    Assert.Equal(BitConverter.SingleToUInt32Bits(expected), BitConverter.SingleToUInt32Bits(back[i]));
                }
            }
        }, iter: 500);
    }

    [Fact]
    public void DType_widening_matches_the_value_type_one()
    {
        var bytes = Enumerable.Range(0, 64).Select(i => (byte)(i * 37)).ToArray();
        var a = new float[32];
        var b = new float[32];
        FloatSpans.ToSingle(bytes, DType.BF16, a);
        FloatSpans.ToSingle(bytes, ValueDType.BF16, b);
        Assert.Equal(a, b);
        Assert.False(FloatSpans.CanWiden(DType.F4));
        Assert.False(FloatSpans.CanWiden(DType.C64));
        Assert.Throws<ArgumentOutOfRangeException>(() => FloatSpans.ToSingle(bytes, DType.C64, a));
    }
}
