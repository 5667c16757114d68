using System.Diagnostics;
using Shira.Cli;
using Shira.Cli.Infrastructure;
using Shira.Testing;

namespace Shira.Cli.Tests;

/// <summary>
/// Runs the CLI with captured output: in-process by default; against an executable when the environment variable
/// <c>SHIRA_CLI_EXE</c> names one (e.g. the Native AOT build, <c>SHIRA_CLI_EXE=out/shira-aot/shira dotnet test
/// tests/Shira.Cli.Tests</c>), so the same tests check that every command behaves exactly as the managed build.
/// </summary>
internal static class CliHarness
{
    /// <summary>The executable the tests run out of process, or null for in-process runs.</summary>
    public static string? Executable { get; } = Resolve(Environment.GetEnvironmentVariable("SHIRA_CLI_EXE"));

    /// <summary>How long one out-of-process command may take before the test fails (and the process is killed).</summary>
    private static readonly TimeSpan Timeout = TimeSpan.FromMinutes(10);

    public static (int Exit, string Out, string Err) Run(params string[] args)
    {
        if (Executable is not null) return RunProcess(Executable, args);
        var output = new StringWriter { NewLine = "\n" };
        var error = new StringWriter { NewLine = "\n" };
        int exit;
        using (CliConsole.Use(output, error)) exit = Program.Run(args);
        return (exit, output.ToString(), error.ToString());
    }

    private static string? Resolve(string? exe)
    {
        if (string.IsNullOrWhiteSpace(exe)) return null;
        // A relative path is taken from the repository root (the test host runs in its output folder).
        var full = Path.IsPathRooted(exe) ? exe : Path.Combine(RepoPaths.Root, exe);
        if (!File.Exists(full)) throw new InvalidOperationException($"SHIRA_CLI_EXE={exe}: no such file ({full})");
        return full;
    }

    private static (int Exit, string Out, string Err) RunProcess(string exe, string[] args)
    {
        var start = new ProcessStartInfo(exe)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
            WorkingDirectory = Environment.CurrentDirectory,
        };
        foreach (var a in args) start.ArgumentList.Add(a);
        using var p = Process.Start(start) ?? throw new InvalidOperationException($"cannot start {exe}");
        p.StandardInput.Close();
        // Both pipes are drained concurrently so a chatty stderr cannot block the child on a full stdout pipe.
        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEndAsync();
        if (!p.WaitForExit(Timeout))
        {
            p.Kill(entireProcessTree: true);
            throw new TimeoutException($"{exe} {string.Join(' ', args)} did not finish in {Timeout}");
        }
        p.WaitForExit(); // flushes the async readers
        return (p.ExitCode, stdout.GetAwaiter().GetResult(), stderr.GetAwaiter().GetResult());
    }
}
