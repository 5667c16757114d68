namespace Shira.Format.Numerics;

/// <summary>
/// Scalar conversions between f32 and the 16-bit float formats, rounding to nearest even exactly as PyTorch does
/// (so f32 → bf16 here equals <c>tensor.to(torch.bfloat16)</c>). <see cref="FloatSpans"/> has the span versions.
/// </summary>
public static class FloatBits
{
    /// <summary>Widens bf16 bits to f32 (exact).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float BF16ToSingle(ushort bits) => BitConverter.Int32BitsToSingle(bits << 16);

    /// <summary>Narrows f32 to bf16 bits, round to nearest even; NaN stays a (quiet) NaN.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static ushort SingleToBF16(float value)
    {
        uint u = BitConverter.SingleToUInt32Bits(value);
        if ((u & 0x7FFF_FFFFu) > 0x7F80_0000u) return (ushort)((u >> 16) | 0x0040); // quiet NaN, keeps sign
        uint rounding = 0x7FFFu + ((u >> 16) & 1u);
        return (ushort)((u + rounding) >> 16);
    }

    /// <summary>Widens f16 bits to f32 (exact).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float F16ToSingle(ushort bits) => (float)BitConverter.UInt16BitsToHalf(bits);

    /// <summary>Narrows f32 to f16 bits, round to nearest even (System.Half's conversion is correctly rounded).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static ushort SingleToF16(float value) => BitConverter.HalfToUInt16Bits((Half)value);

    /// <summary>Widens an F8_E4M3 (E4M3FN: bias 7, no infinities, S.1111.111 is NaN) byte to f32 (exact).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float F8E4M3ToSingle(byte bits)
    {
        int exp = (bits >> 3) & 0xF, man = bits & 0x7;
        uint sign = (uint)(bits & 0x80) << 24;
        if (exp == 0xF && man == 0x7) return BitConverter.UInt32BitsToSingle(sign | 0x7FC0_0000u);
        if (exp == 0)
        {
            // Subnormal: man * 2^-9, exact in f32.
            return BitConverter.UInt32BitsToSingle(sign | BitConverter.SingleToUInt32Bits(man * (1f / 512f)));
        }
        return BitConverter.UInt32BitsToSingle(sign | ((uint)(exp - 7 + 127) << 23) | ((uint)man << 20));
    }

    /// <summary>Widens an F8_E5M2 byte to f32 (exact): E5M2 is the top byte of an IEEE half.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float F8E5M2ToSingle(byte bits) => F16ToSingle((ushort)(bits << 8));

    /// <summary>Widens an F8_E8M0 scale byte (2^(e-127); 0xFF is NaN) to f32 (exact, 2^-127 is an f32 subnormal).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float F8E8M0ToSingle(byte bits) => bits switch
    {
        0xFF => float.NaN,
        0 => BitConverter.UInt32BitsToSingle(0x0040_0000u),
        _ => BitConverter.UInt32BitsToSingle((uint)bits << 23),
    };

    /// <summary>Reads one little-endian element of <paramref name="type"/> at element index <paramref name="i"/> as f32.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float Read(ReadOnlySpan<byte> bytes, ValueDType type, long i) => type switch
    {
        ValueDType.F32 => BinaryPrimitives.ReadSingleLittleEndian(bytes[checked((int)(i * 4))..]),
        ValueDType.F16 => F16ToSingle(BinaryPrimitives.ReadUInt16LittleEndian(bytes[checked((int)(i * 2))..])),
        _ => BF16ToSingle(BinaryPrimitives.ReadUInt16LittleEndian(bytes[checked((int)(i * 2))..])),
    };
}
