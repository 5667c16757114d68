using System.CommandLine;
using Shira.Format;
using Shira.Format.Container;

namespace Shira.Cli.Infrastructure;

/// <summary>The <c>--index-encoding</c> option shared by the commands that write a .shira file.</summary>
internal static class IndexEncodingOption
{
    /// <summary>A new option instance (System.CommandLine options belong to one command).</summary>
    public static Option<string?> Create() => CliOptions.Choice("--index-encoding",
        "auto (smallest, default), raw-u32 (runtime-optimised: faster apply, ~1.6x larger), raw-u64, delta-bitpacked or delta-varint",
        "auto", "raw-u32", "raw-u64", "delta-bitpacked", "delta-varint");

    /// <summary>Writer options for the parsed value (null for the defaults).</summary>
    public static ShiraWriterOptions? ToWriterOptions(string? value) => value switch
    {
        null or "auto" => null,
        _ => new ShiraWriterOptions { IndexEncoding = Parse(value) },
    };

    /// <summary>The encoding a command-line spelling names.</summary>
    public static IndexEncoding Parse(string value) => value switch
    {
        "raw-u32" => IndexEncoding.RawU32,
        "raw-u64" => IndexEncoding.RawU64,
        "delta-bitpacked" => IndexEncoding.DeltaBitPacked,
        "delta-varint" => IndexEncoding.DeltaVarint,
        _ => IndexEncoding.Auto,
    };
}
