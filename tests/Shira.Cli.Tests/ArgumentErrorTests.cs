namespace Shira.Cli.Tests;

/// <summary>A library's argument exception reaches the user as a one-line usage error (exit 2), not an internal error.</summary>
public sealed class ArgumentErrorTests
{
    [Fact]
    public void A_value_a_library_refuses_is_a_one_line_usage_error()
    {
        var output = new StringWriter { NewLine = "\n" };
        var error = new StringWriter { NewLine = "\n" };
        int exit;
        using (Infrastructure.CliConsole.Use(output, error))
            exit = Infrastructure.CommandRunner.Run(() => throw new ArgumentOutOfRangeException("density", 0.0, "density must be in (0, 1], got 0"));
        Assert.Equal(2, exit);
        Assert.Equal("error: SHIRA-E9002: density must be in (0, 1], got 0", error.ToString().TrimEnd('\n'));
    }

    [Fact]
    public void The_message_drops_the_parameter_suffix_and_the_actual_value_line()
    {
        var e = new ArgumentOutOfRangeException("scale", 3.5f, "scale 3.5 is not finite");
        Assert.Equal("scale 3.5 is not finite", Infrastructure.CommandRunner.ArgumentMessage(e));
        Assert.Equal("bad", Infrastructure.CommandRunner.ArgumentMessage(new ArgumentException("bad", "x")));
    }
}
