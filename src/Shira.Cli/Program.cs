using System.CommandLine;
using Shira.Cli.Commands;
using Shira.Cli.Infrastructure;

namespace Shira.Cli;

/// <summary>Entry point of the <c>shira</c> command.</summary>
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
        var root = new RootCommand("shira: sparse high-rank adapters (.shira) — inspect, validate, convert, apply (train: shira-train)");
        root.Options.Add(CliOptions.Json());
        root.Options.Add(CliOptions.Quiet());
        root.Subcommands.Add(InspectCommand.Create());
        root.Subcommands.Add(ValidateCommand.Create());
        root.Subcommands.Add(ConvertCommand.Create());
        root.Subcommands.Add(DiffCommand.Create());
        root.Subcommands.Add(ExportCommand.Create());
        root.Subcommands.Add(ApplyCommand.Create());
        root.Subcommands.Add(RevertCommand.Create());
        root.Subcommands.Add(SwitchCommand.Create());
        root.Subcommands.Add(FuseCommand.Create());
        root.Subcommands.Add(RecoverCommand.Create());
        // Runs the separate training tool shira-train (TorchSharp); see TrainCommand.
        root.Subcommands.Add(TrainCommand.Create());
        return root;
    }

    /// <summary>Parses and runs; parse errors print one line each (or one JSON error) and exit 2.</summary>
    internal static int Run(string[] args)
    {
        // Everything after `train` belongs to the training tool, --help and --json included.
        if (args.Length > 0 && args[0] == "train") return TrainCommand.Forward(args[1..]);
        return RootRunner.Run(BuildRoot(), args, "shira");
    }
}
