namespace Shira.Format.Numerics;

/// <summary>Span conversions between raw little-endian float bytes and f32.</summary>
public static partial class FloatSpans
{
    /// <summary>Widens destination.Length elements of <paramref name="type"/> to f32.</summary>
    public static void ToSingle(ReadOnlySpan<byte> source, ValueDType type, Span<float> destination)
    {
        int n = destination.Length;
        switch (type)
        {
            case ValueDType.F32:
                if (BitConverter.IsLittleEndian) MemoryMarshal.Cast<byte, float>(source[..checked(n * 4)]).CopyTo(destination);
                else for (int i = 0; i < n; i++) destination[i] = BinaryPrimitives.ReadSingleLittleEndian(source[(i * 4)..]);
                break;
            case ValueDType.F16:
                source = source[..checked(n * 2)];
                for (int i = 0; i < n; i++) destination[i] = FloatBits.F16ToSingle(BinaryPrimitives.ReadUInt16LittleEndian(source[(i * 2)..]));
                break;
            case ValueDType.BF16:
                source = source[..checked(n * 2)];
                int done = BitConverter.IsLittleEndian ? WidenBF16Vectorized(MemoryMarshal.Cast<byte, ushort>(source), destination) : 0;
                for (int i = done; i < n; i++) destination[i] = FloatBits.BF16ToSingle(BinaryPrimitives.ReadUInt16LittleEndian(source[(i * 2)..]));
                break;
            default:
                throw new ArgumentOutOfRangeException(nameof(type));
        }
    }

    /// <summary>Narrows f32 to <paramref name="type"/> (round to nearest even) as little-endian bytes.</summary>
    public static void FromSingle(ReadOnlySpan<float> source, ValueDType type, Span<byte> destination)
    {
        int n = source.Length;
        switch (type)
        {
            case ValueDType.F32:
                destination = destination[..checked(n * 4)];
                if (BitConverter.IsLittleEndian) MemoryMarshal.AsBytes(source).CopyTo(destination);
                else for (int i = 0; i < n; i++) BinaryPrimitives.WriteSingleLittleEndian(destination[(i * 4)..], source[i]);
                break;
            case ValueDType.F16:
                destination = destination[..checked(n * 2)];
                for (int i = 0; i < n; i++) BinaryPrimitives.WriteUInt16LittleEndian(destination[(i * 2)..], FloatBits.SingleToF16(source[i]));
                break;
            case ValueDType.BF16:
                destination = destination[..checked(n * 2)];
                int done = BitConverter.IsLittleEndian ? NarrowBF16Vectorized(source, MemoryMarshal.Cast<byte, ushort>(destination)) : 0;
                for (int i = done; i < n; i++) BinaryPrimitives.WriteUInt16LittleEndian(destination[(i * 2)..], FloatBits.SingleToBF16(source[i]));
                break;
            default:
                throw new ArgumentOutOfRangeException(nameof(type));
        }
    }

    /// <summary>Widens destination.Length elements of any float or integer safetensors dtype to f32: exact for
    /// F32, F16, BF16, F8 types, BOOL (0/1) and integers up to 24 bits; F64 and wider integers round to nearest
    /// even. Throws <see cref="ArgumentOutOfRangeException"/> for C64 and the sub-byte types.</summary>
    public static void ToSingle(ReadOnlySpan<byte> source, DType type, Span<float> destination)
    {
        int n = destination.Length;
        var vt = ValueDTypes.FromDType(type);
        if (vt is not null)
        {
            ToSingle(source, vt.Value, destination);
            return;
        }
        int size = type.IsByteAligned() && type != DType.C64 ? type.ByteSize()
            : throw new ArgumentOutOfRangeException(nameof(type), $"{type} cannot be widened to f32");
        source = source[..checked(n * size)];
        switch (type)
        {
            case DType.BOOL: for (int i = 0; i < n; i++) destination[i] = source[i] != 0 ? 1f : 0f; break;
            case DType.U8: for (int i = 0; i < n; i++) destination[i] = source[i]; break;
            case DType.I8: for (int i = 0; i < n; i++) destination[i] = (sbyte)source[i]; break;
            case DType.F8_E4M3: for (int i = 0; i < n; i++) destination[i] = FloatBits.F8E4M3ToSingle(source[i]); break;
            case DType.F8_E5M2: for (int i = 0; i < n; i++) destination[i] = FloatBits.F8E5M2ToSingle(source[i]); break;
            case DType.F8_E8M0: for (int i = 0; i < n; i++) destination[i] = FloatBits.F8E8M0ToSingle(source[i]); break;
            case DType.I16: for (int i = 0; i < n; i++) destination[i] = BinaryPrimitives.ReadInt16LittleEndian(source[(i * 2)..]); break;
            case DType.U16: for (int i = 0; i < n; i++) destination[i] = BinaryPrimitives.ReadUInt16LittleEndian(source[(i * 2)..]); break;
            case DType.I32: for (int i = 0; i < n; i++) destination[i] = BinaryPrimitives.ReadInt32LittleEndian(source[(i * 4)..]); break;
            case DType.U32: for (int i = 0; i < n; i++) destination[i] = BinaryPrimitives.ReadUInt32LittleEndian(source[(i * 4)..]); break;
            case DType.F64: for (int i = 0; i < n; i++) destination[i] = (float)BinaryPrimitives.ReadDoubleLittleEndian(source[(i * 8)..]); break;
            case DType.I64: for (int i = 0; i < n; i++) destination[i] = BinaryPrimitives.ReadInt64LittleEndian(source[(i * 8)..]); break;
            case DType.U64: for (int i = 0; i < n; i++) destination[i] = BinaryPrimitives.ReadUInt64LittleEndian(source[(i * 8)..]); break;
            default: throw new ArgumentOutOfRangeException(nameof(type), $"{type} cannot be widened to f32");
        }
    }

    /// <summary>True when <see cref="ToSingle(ReadOnlySpan{byte}, DType, Span{float})"/> accepts <paramref name="type"/>.</summary>
    public static bool CanWiden(DType type) => type.IsByteAligned() && type != DType.C64;
}
