using System.CommandLine;
using Shira.Training.Cli.Commands;
using Shira.Cli.Infrastructure;

namespace Shira.Training.Cli;

/// <summary>
/// Entry point of <c>shira-train</c>, the training tool. It holds every command that needs TorchSharp, so the core
/// <c>shira</c> command stays small and free of libtorch; <c>shira train ARGS</c> runs <c>shira-train train ARGS</c>.
/// </summary>
public static class Program
{
    /// <summary>Runs the command line; returns the process exit code.</summary>
    public static int Main(string[] args)
    {
        CommandRunner.InstallSignalHandlers();
        return Run(args);
    }

    /// <summary>Builds the command tree. Each command lives in its own file under Commands/.</summary>
    internal static RootCommand BuildRoot()
    {
        var root = new RootCommand("shira-train: train SHiRA (.shira) and LoRA adapters on LLaMA-style bases (TorchSharp)");
        root.Options.Add(CliOptions.Json());
        root.Options.Add(CliOptions.Quiet());
        root.Subcommands.Add(TrainCommand.Create());
        root.Subcommands.Add(GenerateCommand.Create());
        root.Subcommands.Add(EvalCommand.Create());
        return root;
    }

    /// <summary>Parses and runs; parse errors print one line each (or one JSON error) and exit 2.</summary>
    internal static int Run(string[] args)
    {
        return RootRunner.Run(BuildRoot(), args, "shira-train");
    }
}
