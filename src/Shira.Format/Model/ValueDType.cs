namespace Shira.Format;

/// <summary>How adapter values are stored in a .shira value section.</summary>
public enum ValueDType
{
    /// <summary>IEEE single precision, little-endian.</summary>
    F32 = 1,
    /// <summary>IEEE half precision, little-endian.</summary>
    F16 = 2,
    /// <summary>bfloat16, little-endian (the upper half of an f32).</summary>
    BF16 = 3,
}

/// <summary>Facts about <see cref="ValueDType"/>.</summary>
public static class ValueDTypes
{
    /// <summary>Bytes per stored value.</summary>
    public static int ByteSize(this ValueDType t) => t == ValueDType.F32 ? 4 : 2;

    /// <summary>The matching safetensors dtype.</summary>
    public static DType ToDType(this ValueDType t) => t switch
    {
        ValueDType.F32 => DType.F32,
        ValueDType.F16 => DType.F16,
        ValueDType.BF16 => DType.BF16,
        _ => throw new ArgumentOutOfRangeException(nameof(t)),
    };

    /// <summary>The value type for a float dtype, or null.</summary>
    public static ValueDType? FromDType(DType t) => t switch
    {
        DType.F32 => ValueDType.F32,
        DType.F16 => ValueDType.F16,
        DType.BF16 => ValueDType.BF16,
        _ => null,
    };
}
