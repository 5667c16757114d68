using System.CommandLine;
using Shira.Cli.Infrastructure;
using Shira.Training.Cli.Commands;

namespace Shira.Training.Cli;

/// <summary>
/// Entry point of <c>shira-train</c>, the training tool. It holds every command that needs TorchSharp, so the core
/// <c>shira</c> command stays small and free of libtorch; <c>shira train ARGS</c> runs <c>shira-train train ARGS</c>.
/// </summary>
public static class Program
{
    /// <summary>Runs the command line; returns the process exit code.</summary>
    public static int Main(string[] args) => Run(args);

    /// <summary>Builds the command tree. Each command lives in its own file under Commands/.</summary>
    internal static RootCommand BuildRoot()
    {
        var root = new RootCommand("shira-train: train SHiRA (.shira) and LoRA adapters on LLaMA-style bases (TorchSharp)");
        root.Subcommands.Add(TrainCommand.Create());
        root.Subcommands.Add(GenerateCommand.Create());
        root.Subcommands.Add(EvalCommand.Create());
        return root;
    }

    /// <summary>Parses and runs; parse errors print usage and exit 2, as in <c>shira</c>.</summary>
    internal static int Run(string[] args)
    {
        var root = BuildRoot();
        var parse = root.Parse(args);
        if (parse.Errors.Count > 0)
        {
            var console = CliConsole.Current;
            foreach (var e in parse.Errors) console.Error.WriteLine("error: " + e.Message);
            console.Error.WriteLine("Run 'shira-train --help' (or 'shira-train COMMAND --help') for usage.");
            return ExitCodes.UsageOrIo;
        }
        var config = new InvocationConfiguration
        {
            Output = CliConsole.Current.Output,
            Error = CliConsole.Current.Error,
            EnableDefaultExceptionHandler = false,
        };
        return CommandRunner.Run(() => parse.Invoke(config));
    }
}
