using System.CommandLine;
using System.CommandLine.Parsing;
using Shira.Training.Cli.Commands;
using Shira.Cli.Infrastructure;
using Shira.Format;

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
        var root = BuildRoot();
        var parse = root.Parse(args);
        var console = CliConsole.Current;
        console.Command = SchemaName(parse.CommandResult);
        console.OutputPath = null;
        // Asked for before the parse could fail, so a usage error is JSON too when --json was given.
        console.Json = Flag(args, CliOptions.JsonName) || parse.GetValue<bool>(CliOptions.JsonName);
        console.Quiet = Flag(args, CliOptions.QuietName) || Flag(args, "-q");
        if (parse.Errors.Count > 0)
        {
            var lines = ParseErrors.Describe(parse);
            if (console.Json)
                return CommandRunner.Fail(ShiraErrorCode.Usage, string.Join("; ", lines), null, null, null);
            foreach (var line in lines) console.Error.WriteLine("error: " + line);
            console.Error.WriteLine("Run 'shira-train --help' (or 'shira-train COMMAND --help') for usage.");
            return ExitCodes.UsageOrIo;
        }
        var config = new InvocationConfiguration
        {
            Output = console.Output,
            Error = console.Error,
            EnableDefaultExceptionHandler = false,
        };
        return CommandRunner.Run(() => parse.Invoke(config));
    }

    // The top-level command under the root ("export" for `shira export peft`): the schema a --json output follows.
    private static string SchemaName(CommandResult result)
    {
        CommandResult top = result;
        while (top.Parent is CommandResult parent && parent.Command is not RootCommand) top = parent;
        return top.Command is RootCommand ? "shira" : top.Command.Name;
    }

    private static bool Flag(string[] args, string name)
    {
        foreach (var a in args)
        {
            if (a == "--") return false;
            if (a == name) return true;
        }
        return false;
    }
}
