using Shira.Cli;
using Shira.Cli.Infrastructure;

namespace Shira.Cli.Tests;

/// <summary>Runs the CLI in-process with captured output.</summary>
internal static class CliHarness
{
    public static (int Exit, string Out, string Err) Run(params string[] args)
    {
        var output = new StringWriter { NewLine = "\n" };
        var error = new StringWriter { NewLine = "\n" };
        int exit;
        using (CliConsole.Use(output, error)) exit = Program.Run(args);
        return (exit, output.ToString(), error.ToString());
    }
}
