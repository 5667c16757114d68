using System.Buffers.Binary;
using System.Runtime.CompilerServices;

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

    /// <summary>Reads one little-endian element of <paramref name="type"/> at element index <paramref name="i"/> as f32.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float Read(ReadOnlySpan<byte> bytes, ValueType type, long i) => type switch
    {
        ValueType.F32 => BinaryPrimitives.ReadSingleLittleEndian(bytes[checked((int)(i * 4))..]),
        ValueType.F16 => F16ToSingle(BinaryPrimitives.ReadUInt16LittleEndian(bytes[checked((int)(i * 2))..])),
        _ => BF16ToSingle(BinaryPrimitives.ReadUInt16LittleEndian(bytes[checked((int)(i * 2))..])),
    };
}
