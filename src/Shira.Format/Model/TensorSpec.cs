namespace Shira.Format;

/// <summary>What a writer is told about one adapted tensor (everything but its indices and values).</summary>
public sealed record TensorSpec
{
    /// <summary>Target tensor name in the base checkpoint.</summary>
    public required string Name { get; init; }
    /// <summary>Target shape, rank 1–4, row-major.</summary>
    public required IReadOnlyList<long> Shape { get; init; }
    /// <summary>The base dtype the entry expects (F32/F16/BF16 for applicable entries).</summary>
    public DType BaseDType { get; init; } = DType.F32;
    /// <summary>Add a delta or replace values.</summary>
    public Semantics Semantics { get; init; } = Semantics.Add;
    /// <summary>Scale applied to the values for <see cref="Semantics.Add"/>; must be finite.</summary>
    public float Scale { get; init; } = 1f;
    /// <summary>How to store the values. Converted from the input with round-to-nearest-even when narrower.</summary>
    public ValueDType ValueDType { get; init; } = ValueDType.F32;
    /// <summary>Index encoding to use; <see cref="IndexEncoding.Auto"/> picks the smallest.</summary>
    public IndexEncoding IndexEncoding { get; init; } = IndexEncoding.Auto;
    /// <summary>Mask metadata.</summary>
    public MaskInfo Mask { get; init; } = new();

    /// <summary>Number of elements (checked product of <see cref="Shape"/>).</summary>
    public long Numel() { long n = 1; foreach (var d in Shape) n = checked(n * d); return n; }
}
