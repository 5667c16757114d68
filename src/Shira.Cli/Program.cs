using System.CommandLine;
using System.CommandLine.Parsing;
using Shira.Cli.Commands;
using Shira.Cli.Infrastructure;
using Shira.Format;

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
            console.Error.WriteLine("Run 'shira --help' (or 'shira COMMAND --help') for usage.");
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
