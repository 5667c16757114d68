using System.Buffers.Binary;
using Shira.Format;
using Shira.Format.Safetensors;

namespace Shira.Convert;

/// <summary>Reads adapter and base tensors as f32 or exact integers, with errors naming the tensor.</summary>
internal static class TensorData
{
    /// <summary>A float tensor widened to f32 (F32, F16, BF16, F64).</summary>
    public static float[] ReadFloats(SafetensorsFile file, SafetensorsTensorInfo t)
    {
        if (t.DType is not (DType.F32 or DType.F16 or DType.BF16 or DType.F64))
            throw ShiraErrors.PeftBadTensors($"expected a float tensor, found {t.DType}", file.FilePath, t.Name);
        return file.ReadSingles(t.Name);
    }

    /// <summary>An integer-valued tensor (I32, I64, other integer types, or F32/F64 holding exact integers, as
    /// PEFT writes SHiRA indices on Windows).</summary>
    public static long[] ReadIntegers(SafetensorsFile file, SafetensorsTensorInfo t)
    {
        var bytes = file.GetBytes(t);
        long n = t.Numel;
        var result = new long[n];
        switch (t.DType)
        {
            case DType.I64:
                for (long i = 0; i < n; i++) result[i] = BinaryPrimitives.ReadInt64LittleEndian(bytes[(int)(i * 8)..]);
                break;
            case DType.I32:
                for (long i = 0; i < n; i++) result[i] = BinaryPrimitives.ReadInt32LittleEndian(bytes[(int)(i * 4)..]);
                break;
            case DType.U32:
                for (long i = 0; i < n; i++) result[i] = BinaryPrimitives.ReadUInt32LittleEndian(bytes[(int)(i * 4)..]);
                break;
            case DType.I16:
                for (long i = 0; i < n; i++) result[i] = BinaryPrimitives.ReadInt16LittleEndian(bytes[(int)(i * 2)..]);
                break;
            case DType.U16:
                for (long i = 0; i < n; i++) result[i] = BinaryPrimitives.ReadUInt16LittleEndian(bytes[(int)(i * 2)..]);
                break;
            case DType.U8:
                for (long i = 0; i < n; i++) result[i] = bytes[(int)i];
                break;
            case DType.F32:
            case DType.F64:
                for (long i = 0; i < n; i++)
                {
                    double d = t.DType == DType.F32
                        ? BinaryPrimitives.ReadSingleLittleEndian(bytes[(int)(i * 4)..])
                        : BinaryPrimitives.ReadDoubleLittleEndian(bytes[(int)(i * 8)..]);
                    if (!double.IsFinite(d) || d != Math.Floor(d) || Math.Abs(d) > 9.007199254740992E15)
                        throw ShiraErrors.PeftBadTensors($"index tensor stored as {t.DType} holds a non-integer value {d} at element {i}", file.FilePath, t.Name);
                    result[i] = (long)d;
                }
                break;
            default:
                throw ShiraErrors.PeftBadTensors($"index tensor has unsupported dtype {t.DType}", file.FilePath, t.Name);
        }
        return result;
    }

    /// <summary>Reads a base tensor widened to f32; throws <see cref="ShiraErrorCode.BaseTensorMissing"/> when absent.</summary>
    public static float[] ReadBase(SafetensorsCheckpoint baseModel, string name)
    {
        if (!baseModel.TryGetTensor(name, out var file, out _))
            throw ShiraErrors.BaseTensorMissing($"the base has no tensor '{name}'", baseModel.Path, name);
        return file.ReadSingles(name);
    }

    /// <summary>The element count of a shape (checked).</summary>
    public static long Numel(IReadOnlyList<long> shape)
    {
        long n = 1;
        foreach (var d in shape) n = checked(n * d);
        return n;
    }
}
