namespace Shira.Native;

/// <summary>Mirror of <c>shira_tensor_info</c> in shira.h (128 bytes).</summary>
[StructLayout(LayoutKind.Sequential)]
internal unsafe struct NativeTensorInfo
{
    public byte* Name;
    public int Rank;
    public int Semantics;
    public fixed long Shape[NativeAbi.MaxRank];
    public ulong Numel;
    public ulong Nnz;
    public int ValueDType;
    public int BaseDType;
    public byte* BaseDTypeName;
    public float Scale;
    public int IndexEncoding;
    public int IndexSet;
    public int Reserved;
}

/// <summary>Mirror of <c>shira_issue</c> in shira.h (40 bytes).</summary>
[StructLayout(LayoutKind.Sequential)]
internal unsafe struct NativeIssue
{
    public int Code;
    public int Count;
    public long Offset;
    public byte* Name;
    public byte* Tensor;
    public byte* Message;
}

/// <summary>Constants of the C interface and the dtype numbering of shira.h.</summary>
internal static class NativeAbi
{
    public const int Version = 1;
    public const int MaxRank = 8;
    public const uint FlagAnyDType = 1;
    public const uint FlagNoFingerprint = 2;
    public const uint KnownFlags = FlagAnyDType | FlagNoFingerprint;

    /// <summary>shira_dtype of a base dtype (0 for one adapters cannot patch).</summary>
    public static int Code(DType t) => t switch
    {
        DType.F32 => 1,
        DType.F16 => 2,
        DType.BF16 => 3,
        _ => 0,
    };

    /// <summary>The base dtype of a shira_dtype argument; <see cref="ShiraErrorCode.Usage"/> for others.</summary>
    public static DType WeightDType(int code) => code switch
    {
        1 => DType.F32,
        2 => DType.F16,
        3 => DType.BF16,
        _ => throw new ArgumentException($"dtype {code} is not SHIRA_DTYPE_F32 (1), F16 (2) or BF16 (3)"),
    };
}
