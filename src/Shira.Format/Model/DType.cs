namespace Shira.Format;

/// <summary>
/// Element types, named as safetensors names them. Used for safetensors tensors and for the base dtype a
/// .shira tensor entry expects. Sub-byte types (<see cref="F4"/>, <see cref="F6_E2M3"/>, <see cref="F6_E3M2"/>)
/// are recognised so that they can be rejected clearly.
/// </summary>
#pragma warning disable CA1707 // names mirror the safetensors spelling on purpose
public enum DType
{
    /// <summary>Boolean, one byte.</summary>
    BOOL,
    /// <summary>4-bit float (E2M1), packed two per byte.</summary>
    F4,
    /// <summary>6-bit float E2M3.</summary>
    F6_E2M3,
    /// <summary>6-bit float E3M2.</summary>
    F6_E3M2,
    /// <summary>Unsigned 8-bit integer.</summary>
    U8,
    /// <summary>Signed 8-bit integer.</summary>
    I8,
    /// <summary>8-bit float E5M2.</summary>
    F8_E5M2,
    /// <summary>8-bit float E4M3 (fn).</summary>
    F8_E4M3,
    /// <summary>8-bit exponent-only scale E8M0.</summary>
    F8_E8M0,
    /// <summary>Signed 16-bit integer.</summary>
    I16,
    /// <summary>Unsigned 16-bit integer.</summary>
    U16,
    /// <summary>IEEE half precision.</summary>
    F16,
    /// <summary>bfloat16.</summary>
    BF16,
    /// <summary>Signed 32-bit integer.</summary>
    I32,
    /// <summary>Unsigned 32-bit integer.</summary>
    U32,
    /// <summary>IEEE single precision.</summary>
    F32,
    /// <summary>Complex of two f32.</summary>
    C64,
    /// <summary>IEEE double precision.</summary>
    F64,
    /// <summary>Signed 64-bit integer.</summary>
    I64,
    /// <summary>Unsigned 64-bit integer.</summary>
    U64,
}
#pragma warning restore CA1707

/// <summary>Facts about <see cref="DType"/>.</summary>
public static class DTypes
{
    /// <summary>Size in bits of one element.</summary>
    public static int BitSize(this DType t) => t switch
    {
        DType.F4 => 4,
        DType.F6_E2M3 or DType.F6_E3M2 => 6,
        DType.BOOL or DType.U8 or DType.I8 or DType.F8_E5M2 or DType.F8_E4M3 or DType.F8_E8M0 => 8,
        DType.I16 or DType.U16 or DType.F16 or DType.BF16 => 16,
        DType.I32 or DType.U32 or DType.F32 => 32,
        DType.C64 or DType.F64 or DType.I64 or DType.U64 => 64,
        _ => throw new ArgumentOutOfRangeException(nameof(t)),
    };

    /// <summary>True when elements are whole bytes (so byte length = count × size).</summary>
    public static bool IsByteAligned(this DType t) => t.BitSize() % 8 == 0;

    /// <summary>Size in bytes of one element; throws for sub-byte types.</summary>
    public static int ByteSize(this DType t) =>
        t.IsByteAligned() ? t.BitSize() / 8 : throw new ArgumentException($"{t} is a sub-byte type", nameof(t));

    /// <summary>True for F32, F16 and BF16: the base dtypes an adapter can be applied to.</summary>
    public static bool IsAdaptable(this DType t) => t is DType.F32 or DType.F16 or DType.BF16;

    /// <summary>The safetensors spelling (<c>"BF16"</c>).</summary>
    public static string Name(this DType t) => t.ToString();

    /// <summary>Parses the safetensors spelling; false for unknown names.</summary>
    public static bool TryParse(string s, out DType t)
    {
        // Enum.TryParse would also accept numbers ("3") and comma lists; only exact names are dtypes.
        t = default;
        if (string.IsNullOrEmpty(s) || !char.IsAsciiLetterUpper(s[0])) return false;
        return Enum.TryParse(s, ignoreCase: false, out t) && Enum.IsDefined(t) && t.ToString() == s;
    }
}
