using Shira.Format.Container;

namespace Shira.Format.Manifest;

/// <summary>What a section holds.</summary>
internal enum SectionKind
{
    Index = 1,
    Values = 2,
}

/// <summary>One validated entry of the sections table.</summary>
internal readonly record struct SectionEntry(long Offset, long StoredLength, SectionCodec Codec, long DecodedLength,
    ulong Xxh3, SectionKind Kind)
{
    public long End => Offset + StoredLength;
}

/// <summary>One validated index set.</summary>
internal sealed record IndexSetEntry
{
    public required IndexEncoding Encoding { get; init; }
    public required long Count { get; init; }
    public required long Numel { get; init; }
    /// <summary>Section index, or -1 for a structured set.</summary>
    public required int Section { get; init; }
    public long StructRows { get; init; }
    public long StructCols { get; init; }
    public long[] RowList { get; init; } = [];
    public long[] ColList { get; init; } = [];
    public bool Diagonal { get; init; }
    /// <summary>The first tensor (in manifest order) that refers to this set, for error messages.</summary>
    public required int FirstTensor { get; init; }
}

/// <summary>A manifest that passed every structural rule of spec/SPEC.md §5–§7.</summary>
internal sealed class ManifestModel
{
    public required int Major { get; init; }
    public required int Minor { get; init; }
    public required long ManifestOffset { get; init; }
    public required long ManifestLength { get; init; }
    public required AdapterMetadata Metadata { get; init; }
    public required SectionEntry[] Sections { get; init; }
    public required IndexSetEntry[] IndexSets { get; init; }
    public required ShiraTensorInfo[] Tensors { get; init; }
    public required int[] TensorValueSection { get; init; }
    public required int[] TensorIndexSet { get; init; }
}
