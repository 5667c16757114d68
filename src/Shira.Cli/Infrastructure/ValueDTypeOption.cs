using System.CommandLine;
using Shira.Format;

namespace Shira.Cli.Infrastructure;

/// <summary>The <c>--values</c> option (f32, f16 or bf16) of the commands that write a .shira file.</summary>
internal static class ValueDTypeOption
{
    /// <summary>A new option instance.</summary>
    public static Option<string?> Create(string description) => CliOptions.Choice("--values", description, "f32", "f16", "bf16");

    /// <summary>The value dtype a parsed spelling names (null when the option was not given).</summary>
    public static ValueDType? Parse(string? value) => value switch
    {
        null => null,
        "f16" => ValueDType.F16,
        "bf16" => ValueDType.BF16,
        _ => ValueDType.F32,
    };
}
