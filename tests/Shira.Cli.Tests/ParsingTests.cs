using System.Globalization;
using Shira.Cli.Infrastructure;
using Shira.Testing;

namespace Shira.Cli.Tests;

/// <summary>Issue 9 §5: numbers parse the same on every machine; every parse error is one line naming the option,
/// the bad value and what is accepted, with no .NET type names; mistyped commands and options get a suggestion.</summary>
public sealed class ParsingTests
{
    private static string Lora => Path.Combine(RepoPaths.Peft, "llama_tiny", "lora");

    [Theory]
    [InlineData("--density", "0,5")]   // a comma decimal separator must not be read as 5 (or as 0.5)
    [InlineData("--density", "5")]     // out of (0, 1]
    [InlineData("--density", "0")]
    [InlineData("--density", "NaN")]
    [InlineData("--density", "1,000")]
    [InlineData("--energy", "0,9")]
    [InlineData("--energy", "abc")]
    public void A_bad_fraction_is_refused_with_one_line_naming_option_value_and_range(string option, string value)
    {
        using var dir = new TempDir();
        var (exit, output, error) = CliHarness.Run("convert", Lora, "-o", dir.File("a.shira"), option, value);
        Assert.Equal(2, exit);
        Assert.Equal("", output);
        string first = error.Split('\n')[0];
        Assert.StartsWith($"error: {option}: '{value}' ", first);
        Assert.Contains("expected a decimal number greater than 0 and at most 1", first);
        Assert.DoesNotContain("System.", error);
        Assert.False(File.Exists(dir.File("a.shira")));
    }

    [Fact]
    public void Numbers_parse_invariantly_whatever_the_current_culture()
    {
        using var dir = new TempDir();
        var previous = CultureInfo.CurrentCulture;
        try
        {
            // As in German, "0,5" is one half and "0.5" is five (built by hand: the build may run without ICU).
            var comma = (CultureInfo)CultureInfo.InvariantCulture.Clone();
            comma.NumberFormat.NumberDecimalSeparator = ",";
            comma.NumberFormat.NumberGroupSeparator = ".";
            CultureInfo.CurrentCulture = comma;
            var run = CliHarness.Run("convert", Lora, "-o", dir.File("a.shira"), "--density", "0.5", "--json");
            Assert.True(run.Exit == 0, run.Err + run.Out);
            Assert.Equal(0.5, (double)OutputSchemas.AssertValid("convert", run.Out)["density"]!, 6);
            Assert.Equal(2, CliHarness.Run("convert", Lora, "-o", dir.File("b.shira"), "--density", "0,5").Exit);
        }
        finally
        {
            CultureInfo.CurrentCulture = previous;
        }
    }

    [Theory]
    [InlineData("--scale", "1,5", "apply", "a", "b", "-o", "c")]
    [InlineData("--scale", "inf", "apply", "a", "b", "-o", "c")]
    [InlineData("--weights", "1;2", "fuse", "a", "b", "-o", "c")]
    [InlineData("--values", "f64", "convert", "x", "-o", "c")]
    [InlineData("--index-encoding", "zip", "convert", "x", "-o", "c")]
    [InlineData("--budget", "rank", "convert", "x", "-o", "c")]
    public void Every_bad_option_value_is_one_line_with_option_value_and_accepted_values(string option, string value, params string[] command)
    {
        var (exit, _, error) = CliHarness.Run([.. command, option, value]);
        Assert.Equal(2, exit);
        var lines = error.TrimEnd('\n').Split('\n');
        Assert.Equal(2, lines.Length); // the error and the pointer to --help
        Assert.StartsWith($"error: {option}: '{value}' ", lines[0]);
        Assert.Contains("expected ", lines[0]);
        Assert.DoesNotContain("System.", error);
        Assert.DoesNotContain("Nullable", error);
    }

    [Theory]
    [InlineData("valdate", "validate")]
    [InlineData("inspcet", "inspect")]
    [InlineData("convrt", "convert")]
    [InlineData("recov", "recover")]
    public void A_mistyped_command_gets_a_suggestion(string typed, string meant)
    {
        var (exit, output, error) = CliHarness.Run(typed, "x.shira");
        Assert.Equal(2, exit);
        Assert.Equal("", output);
        Assert.StartsWith($"error: unknown command '{typed}'; did you mean '{meant}'?\n", error);
    }

    [Fact]
    public void A_word_far_from_every_command_lists_the_commands()
    {
        var (exit, _, error) = CliHarness.Run("frobnicate");
        Assert.Equal(2, exit);
        Assert.Contains("unknown command 'frobnicate'; expected one of inspect, validate, convert", error);
        Assert.DoesNotContain("did you mean", error);
    }

    [Fact]
    public void A_mistyped_option_gets_a_suggestion()
    {
        var (exit, _, error) = CliHarness.Run("convert", Lora, "-o", "x.shira", "--denisty", "0.5");
        Assert.Equal(2, exit);
        Assert.StartsWith("error: unknown option '--denisty' for 'shira convert'; did you mean '--density'?\n", error);
        (exit, _, error) = CliHarness.Run("export", "pft", "a.shira", "-o", "x");
        Assert.Equal(2, exit);
        Assert.StartsWith("error: unknown command 'pft' for 'shira export'; did you mean 'peft'?\n", error);
    }

    [Theory]
    [InlineData("validate")]
    [InlineData("convert")]
    [InlineData("apply", "base.safetensors")]
    [InlineData("inspect", "a", "b")]
    [InlineData("fuse", "a", "-o")]
    public void Other_parse_errors_are_usage_errors_without_type_names(params string[] args)
    {
        var (exit, output, error) = CliHarness.Run(args);
        Assert.Equal(2, exit);
        Assert.Equal("", output);
        Assert.StartsWith("error: ", error);
        Assert.DoesNotContain("System.", error);
        Assert.DoesNotContain(" at ", error);
    }

    [Fact]
    public void Suggestions_need_a_close_match()
    {
        string[] commands = ["inspect", "validate", "convert", "diff", "export", "apply", "revert", "switch", "fuse", "recover"];
        Assert.Equal("diff", ParseErrors.Suggest("dif", commands));
        Assert.Equal("apply", ParseErrors.Suggest("aplly", commands));
        Assert.Equal("switch", ParseErrors.Suggest("sw", commands)); // a unique prefix
        Assert.Null(ParseErrors.Suggest("zzz", commands));
        Assert.Null(ParseErrors.Suggest("re", commands)); // revert and recover: ambiguous
    }

    [Theory]
    [InlineData("0.5", 0.5)]
    [InlineData("-1", -1.0)]
    [InlineData("1e-3", 1e-3)]
    [InlineData(".25", 0.25)]
    public void Reals_parse_in_the_invariant_culture(string text, double expected)
    {
        Assert.True(CliOptions.TryParseReal(text, out double v));
        Assert.Equal(expected, v);
    }

    [Theory]
    [InlineData("0,5")]
    [InlineData("1,000")]
    [InlineData("1 000")]
    [InlineData("")]
    [InlineData("0x10")]
    public void Reals_refuse_culture_spellings(string text) => Assert.False(CliOptions.TryParseReal(text, out _));
}
