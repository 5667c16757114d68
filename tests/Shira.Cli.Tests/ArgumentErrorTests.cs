using Shira.Testing;

namespace Shira.Cli.Tests;

/// <summary>A library's argument exception reaches the user as a one-line usage error (exit 2), not an internal error.</summary>
public sealed class ArgumentErrorTests
{
    [Fact]
    public void A_value_a_library_refuses_is_a_one_line_usage_error()
    {
        using var dir = new TempDir();
        // --density 0 parses; ConvertOptions refuses it with an ArgumentOutOfRangeException.
        var (exit, _, error) = CliHarness.Run("convert", Path.Combine(RepoPaths.Peft, "llama_tiny", "lora"), "-o", dir.File("x.shira"),
            "--density", "0");
        Assert.Equal(2, exit);
        Assert.Equal("error: SHIRA-E9002: density must be in (0, 1], got 0", error.TrimEnd('\n'));
        Assert.False(File.Exists(dir.File("x.shira")));
    }

    [Fact]
    public void The_message_drops_the_parameter_suffix_and_the_actual_value_line()
    {
        var e = new ArgumentOutOfRangeException("scale", 3.5f, "scale 3.5 is not finite");
        Assert.Equal("scale 3.5 is not finite", Infrastructure.CommandRunner.ArgumentMessage(e));
        Assert.Equal("bad", Infrastructure.CommandRunner.ArgumentMessage(new ArgumentException("bad", "x")));
    }
}
