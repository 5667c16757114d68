namespace Shira.Runtime;

/// <summary>Options for <see cref="AdapterFusion.Fuse"/>.</summary>
public sealed record FuseOptions
{
    /// <summary>How the fused values are stored (default f32: the sums are computed in f32).</summary>
    public Shira.Format.ValueDType ValueDType { get; init; } = Shira.Format.ValueDType.F32;
    /// <summary>Name written in the fused adapter's metadata (default: the output file name).</summary>
    public string? Name { get; init; }
    /// <summary>How the fused file is written (index encoding, LZ4); null for the defaults.</summary>
    public Shira.Format.Container.ShiraWriterOptions? Writer { get; init; }
}
