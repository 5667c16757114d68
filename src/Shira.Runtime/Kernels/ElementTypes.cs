using System.Runtime.CompilerServices;
using Shira.Format.Numerics;

namespace Shira.Runtime.Kernels;

/// <summary>A base element type: how its raw bits widen to f32 and how an f32 rounds back (nearest even, once).
/// The kernels are generic over these structs so the JIT emits one tight loop per dtype.</summary>
internal interface IElement<TRaw> where TRaw : unmanaged
{
    static abstract float Widen(TRaw raw);
    static abstract TRaw Narrow(float value);
}

internal readonly struct F32Element : IElement<uint>
{
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float Widen(uint raw) => BitConverter.UInt32BitsToSingle(raw);
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static uint Narrow(float value) => BitConverter.SingleToUInt32Bits(value);
}

internal readonly struct BF16Element : IElement<ushort>
{
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float Widen(ushort raw) => BitConverter.Int32BitsToSingle(raw << 16);
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static ushort Narrow(float value) => FloatBits.SingleToBF16(value);
}

internal readonly struct F16Element : IElement<ushort>
{
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float Widen(ushort raw) => (float)BitConverter.UInt16BitsToHalf(raw);
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static ushort Narrow(float value) => BitConverter.HalfToUInt16Bits((Half)value);
}
