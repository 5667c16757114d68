using System.CommandLine;
using Shira.Format;
using Shira.Format.Container;

namespace Shira.Cli.Infrastructure;

/// <summary>The <c>--index-encoding</c> option shared by the commands that write a .shira file.</summary>
internal static class IndexEncodingOption
{
    /// <summary>A new option instance (System.CommandLine options belong to one command).</summary>
    public static Option<string?> Create() => new("--index-encoding")
    {
        Description = "auto (smallest, default), raw-u32 (runtime-optimised: faster apply, ~1.6x larger), raw-u64, delta-bitpacked or delta-varint",
    };

    /// <summary>Writer options for the parsed value (null for the defaults).</summary>
    public static ShiraWriterOptions? ToWriterOptions(string? text) => text?.ToLowerInvariant() switch
    {
        null or "auto" => null,
        "raw-u32" => new ShiraWriterOptions { IndexEncoding = IndexEncoding.RawU32 },
        "raw-u64" => new ShiraWriterOptions { IndexEncoding = IndexEncoding.RawU64 },
        "delta-bitpacked" => new ShiraWriterOptions { IndexEncoding = IndexEncoding.DeltaBitPacked },
        "delta-varint" => new ShiraWriterOptions { IndexEncoding = IndexEncoding.DeltaVarint },
        _ => throw new UsageException($"--index-encoding must be auto, raw-u32, raw-u64, delta-bitpacked or delta-varint, got '{text}'"),
    };
}
