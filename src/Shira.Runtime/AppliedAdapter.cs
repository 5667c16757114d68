namespace Shira.Runtime;

/// <summary>
/// One adapter on a <see cref="BaseModel"/>'s stack: what was applied, with which scale, and the originals of every
/// position it changed (kept so that <see cref="BaseModel.Revert"/> restores the base bit for bit).
/// </summary>
public sealed class AppliedAdapter
{
    internal AppliedAdapter(string source, string name, float scale, IReadOnlyList<AppliedTensor> tensors, long sequence, ulong sourceHash)
    {
        RoundedInto = BaseCompatibility.Distinct(tensors.Select(t => t.Target.DType));
        SourceHash = sourceHash;
        Source = source;
        Name = name;
        Scale = scale;
        Tensors = tensors;
        Sequence = sequence;
        long nnz = 0, bytes = 0;
        foreach (var t in tensors) { nnz += t.Count; bytes += t.OriginalLength; }
        Positions = nnz;
        OriginalBytes = bytes;
    }

    /// <summary>The adapter file's path (or the name it was opened with).</summary>
    public string Source { get; }
    /// <summary>The adapter's name from its metadata.</summary>
    public string Name { get; }
    /// <summary>The user scale it was applied with.</summary>
    public float Scale { get; }
    /// <summary>Number of base positions changed.</summary>
    public long Positions { get; }
    /// <summary>Bytes held for the originals.</summary>
    public long OriginalBytes { get; }

    /// <summary>The base dtypes the adapter's values were rounded into (round(f32(W) + scale·v) per position), distinct
    /// and ascending; an additive adapter made against an F32 base reports BF16 when applied to a BF16 copy.</summary>
    public IReadOnlyList<Shira.Format.DType> RoundedInto { get; }

    /// <summary>XXH3-64 of the adapter file, recorded for in-place applies (0 when not recorded).</summary>
    public ulong SourceHash { get; }

    /// <summary>True when <paramref name="adapterPath"/> is the adapter that was applied: same content when a hash was
    /// recorded (in-place), otherwise the same full path.</summary>
    public bool IsSameAdapter(string adapterPath)
    {
        ArgumentNullException.ThrowIfNull(adapterPath);
        if (SourceHash != 0) return BaseModel.HashFile(adapterPath) == SourceHash;
        return string.Equals(System.IO.Path.GetFullPath(adapterPath), System.IO.Path.GetFullPath(Source), StringComparison.Ordinal);
    }

    internal IReadOnlyList<AppliedTensor> Tensors { get; }
    /// <summary>Journal sequence number for in-place applies (0 otherwise).</summary>
    internal long Sequence { get; }
}
