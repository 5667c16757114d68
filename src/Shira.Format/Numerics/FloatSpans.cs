using System.Buffers.Binary;
using System.Runtime.InteropServices;

namespace Shira.Format.Numerics;

/// <summary>Span conversions between raw little-endian float bytes and f32.</summary>
public static class FloatSpans
{
    /// <summary>Widens destination.Length elements of <paramref name="type"/> to f32.</summary>
    public static void ToSingle(ReadOnlySpan<byte> source, ValueType type, Span<float> destination)
    {
        int n = destination.Length;
        switch (type)
        {
            case ValueType.F32:
                if (BitConverter.IsLittleEndian) MemoryMarshal.Cast<byte, float>(source[..(n * 4)]).CopyTo(destination);
                else for (int i = 0; i < n; i++) destination[i] = BinaryPrimitives.ReadSingleLittleEndian(source[(i * 4)..]);
                break;
            case ValueType.F16:
                for (int i = 0; i < n; i++) destination[i] = FloatBits.F16ToSingle(BinaryPrimitives.ReadUInt16LittleEndian(source[(i * 2)..]));
                break;
            case ValueType.BF16:
                for (int i = 0; i < n; i++) destination[i] = FloatBits.BF16ToSingle(BinaryPrimitives.ReadUInt16LittleEndian(source[(i * 2)..]));
                break;
            default:
                throw new ArgumentOutOfRangeException(nameof(type));
        }
    }

    /// <summary>Narrows f32 to <paramref name="type"/> (round to nearest even) as little-endian bytes.</summary>
    public static void FromSingle(ReadOnlySpan<float> source, ValueType type, Span<byte> destination)
    {
        int n = source.Length;
        switch (type)
        {
            case ValueType.F32:
                for (int i = 0; i < n; i++) BinaryPrimitives.WriteSingleLittleEndian(destination[(i * 4)..], source[i]);
                break;
            case ValueType.F16:
                for (int i = 0; i < n; i++) BinaryPrimitives.WriteUInt16LittleEndian(destination[(i * 2)..], FloatBits.SingleToF16(source[i]));
                break;
            case ValueType.BF16:
                for (int i = 0; i < n; i++) BinaryPrimitives.WriteUInt16LittleEndian(destination[(i * 2)..], FloatBits.SingleToBF16(source[i]));
                break;
            default:
                throw new ArgumentOutOfRangeException(nameof(type));
        }
    }
}
