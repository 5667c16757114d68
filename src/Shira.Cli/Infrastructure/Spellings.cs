using Shira.Format;

namespace Shira.Cli.Infrastructure;

/// <summary>
/// How enum values are spelled in every output, human and JSON alike: as on the command line (<c>--values bf16</c>,
/// <c>--index-encoding raw-u32</c>), lower case and kebab-case, one spelling per value.
/// </summary>
internal static class Spellings
{
    /// <summary>A tensor dtype: the safetensors name in lower case (<c>f32</c>, <c>bf16</c>, <c>f8_e4m3</c>).</summary>
    public static string Of(DType dtype) => dtype.Name().ToLowerInvariant();

    /// <summary>A value dtype as <c>--values</c> spells it.</summary>
    public static string Of(ValueDType dtype) => dtype switch
    {
        ValueDType.F16 => "f16",
        ValueDType.BF16 => "bf16",
        _ => "f32",
    };

    /// <summary><c>add</c> or <c>replace</c>.</summary>
    public static string Of(Semantics semantics) => semantics == Semantics.Replace ? "replace" : "add";

    /// <summary>An index encoding as <c>--index-encoding</c> spells it (plus <c>structured</c>, which only masks use).</summary>
    public static string Of(IndexEncoding encoding) => encoding switch
    {
        IndexEncoding.RawU32 => "raw-u32",
        IndexEncoding.RawU64 => "raw-u64",
        IndexEncoding.DeltaBitPacked => "delta-bitpacked",
        IndexEncoding.DeltaVarint => "delta-varint",
        IndexEncoding.Structured => "structured",
        _ => "auto",
    };

    /// <summary><c>none</c> or <c>lz4</c>.</summary>
    public static string Of(SectionCodec codec) => codec == SectionCodec.Lz4Block ? "lz4" : "none";

    /// <summary>A mask strategy as the training tool's <c>--mask</c> spells it (<c>weight</c>, <c>grad</c>, …).</summary>
    public static string Of(MaskStrategy strategy) => strategy switch
    {
        MaskStrategy.Structured => "structured",
        MaskStrategy.Random => "random",
        MaskStrategy.WeightMagnitude => "weight",
        MaskStrategy.Gradient => "grad",
        MaskStrategy.Snip => "snip",
        MaskStrategy.TopKDelta => "top-k-delta",
        MaskStrategy.ExactDiff => "exact-diff",
        MaskStrategy.Custom => "custom",
        _ => "unspecified",
    };

    /// <summary>Every spelling <see cref="Of(MaskStrategy)"/> can produce (the schemas list the same).</summary>
    public static readonly string[] MaskStrategies =
        ["unspecified", "structured", "random", "weight", "grad", "snip", "top-k-delta", "exact-diff", "custom"];
}
