using System.Text.Json.Nodes;
using Shira.Cli.Commands;
using Shira.Cli.Infrastructure;
using Shira.Testing;

namespace Shira.Cli.Tests;

/// <summary>
/// Training is the separate tool <c>shira-train</c>: the core command carries no TorchSharp and <c>shira train</c>
/// runs the tool with the same arguments, or says how to get it. (The real tool end to end is covered in
/// Shira.Training.Cli.Tests, whose output folder holds both commands.)
/// </summary>
public sealed class TrainForwardingTests
{
    [Fact]
    public void The_core_command_ships_without_TorchSharp_or_the_trainer()
    {
        string bin = AppContext.BaseDirectory;
        Assert.True(File.Exists(Path.Combine(bin, "shira.dll")));
        Assert.False(File.Exists(Path.Combine(bin, "TorchSharp.dll")));
        Assert.False(File.Exists(Path.Combine(bin, "Shira.Training.dll")));
        var deps = JsonNode.Parse(File.ReadAllText(Path.Combine(bin, "shira.deps.json")))!.ToJsonString();
        Assert.DoesNotContain("TorchSharp", deps, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("Shira.Training", deps, StringComparison.Ordinal);
    }

    [Fact]
    public void Without_the_tool_train_exits_2_and_says_how_to_install_it()
    {
        var (exit, _, err) = Capture(() => TrainCommand.Forward(["--task", "caesar"], tool: null));
        Assert.Equal(ExitCodes.UsageOrIo, exit);
        Assert.Contains("SHIRA-E9002", err);
        Assert.Contains("shira-train", err);
        Assert.Contains("dotnet tool install --global Shira.Training.Cli", err);
        Assert.Contains("dotnet publish src/Shira.Training.Cli", err);
        Assert.Contains(TrainTool.EnvironmentVariable, err);
    }

    [Fact]
    public void Finds_the_tool_next_to_shira_first_then_on_PATH()
    {
        using var dir = new TempDir();
        string next = Directory.CreateDirectory(dir.File("next")).FullName;
        string onPath = Directory.CreateDirectory(dir.File("path")).FullName;
        string empty = Directory.CreateDirectory(dir.File("empty")).FullName;

        Assert.Null(TrainTool.Find([(empty, true), (onPath, false)], explicitPath: ""));

        // A framework-dependent build next to shira runs through dotnet; a dll on PATH is not a command.
        File.WriteAllText(Path.Combine(next, "shira-train.dll"), "");
        File.WriteAllText(Path.Combine(onPath, "shira-train.dll"), "");
        var viaDotnet = TrainTool.Find([(next, true)], explicitPath: "")!;
        Assert.Equal("dotnet", Path.GetFileNameWithoutExtension(viaDotnet.FileName));
        Assert.Equal([Path.Combine(next, "shira-train.dll")], viaDotnet.PrefixArguments);
        Assert.Null(TrainTool.Find([(empty, true), (onPath, false)], explicitPath: ""));

        // An executable wins over the dll in the same folder; a file without an execute bit is skipped.
        string exeOnPath = MakeScript(onPath, "exit 0");
        Assert.Equal(exeOnPath, TrainTool.Find([(empty, true), (onPath, false)], explicitPath: "")!.FileName);
        string exeNext = MakeScript(next, "exit 0");
        Assert.Equal(exeNext, TrainTool.Find([(next, true), (onPath, false)], explicitPath: "")!.FileName);
        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(exeNext, UnixFileMode.UserRead | UnixFileMode.UserWrite);
            Assert.Equal(viaDotnet.PrefixArguments, TrainTool.Find([(next, true), (onPath, false)], explicitPath: "")!.PrefixArguments);
        }

        // An explicit path wins; a missing one finds nothing rather than something else.
        Assert.Equal(exeOnPath, TrainTool.Find([(next, true)], explicitPath: exeOnPath)!.FileName);
        Assert.Null(TrainTool.Find([(next, true), (onPath, false)], explicitPath: dir.File("missing")));
    }

    [Fact]
    public void Forwards_every_argument_and_the_exit_code_of_the_tool()
    {
        if (OperatingSystem.IsWindows()) return; // the stand-in tool is a shell script
        using var dir = new TempDir();
        string tool = MakeScript(dir.Path, """
            for a in "$@"; do printf '[%s]' "$a"; done
            echo
            echo "progress on stderr" >&2
            exit 7
            """);
        var (exit, output, err) = Capture(() => TrainCommand.Forward(["--task", "caesar", "-o", "a b.shira", "--help"], new TrainTool(tool, [])));
        Assert.Equal(7, exit);
        Assert.Equal("[train][--task][caesar][-o][a b.shira][--help]", output.Trim());
        Assert.Contains("progress on stderr", err);
    }

    [Fact]
    public void Train_is_listed_in_help_and_everything_after_it_goes_to_the_tool()
    {
        var (exit, output, _) = CliHarness.Run("--help");
        Assert.Equal(0, exit);
        Assert.Contains("train", output);
        Assert.Contains("shira-train", output);

        // With the tool pointed at a missing file, `shira train --help` is not answered by shira's own parser.
        string? saved = Environment.GetEnvironmentVariable(TrainTool.EnvironmentVariable);
        try
        {
            Environment.SetEnvironmentVariable(TrainTool.EnvironmentVariable, "/nonexistent/shira-train");
            var (code, _, err) = CliHarness.Run("train", "--help");
            Assert.Equal(ExitCodes.UsageOrIo, code);
            Assert.Contains("/nonexistent/shira-train", err);
        }
        finally
        {
            Environment.SetEnvironmentVariable(TrainTool.EnvironmentVariable, saved);
        }
    }

    private static string MakeScript(string dir, string body)
    {
        string path = Path.Combine(dir, "shira-train");
        File.WriteAllText(path, "#!/bin/sh\n" + body.Replace("\r\n", "\n", StringComparison.Ordinal) + "\n");
        if (!OperatingSystem.IsWindows())
            File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        return path;
    }

    private static (int Exit, string Out, string Err) Capture(Func<int> run)
    {
        var output = new StringWriter { NewLine = "\n" };
        var error = new StringWriter { NewLine = "\n" };
        int exit;
        using (CliConsole.Use(output, error)) exit = run();
        return (exit, output.ToString(), error.ToString());
    }
}
