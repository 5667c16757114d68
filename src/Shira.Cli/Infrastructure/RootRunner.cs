using System.CommandLine;
using System.CommandLine.Parsing;
using Shira.Format;

namespace Shira.Cli.Infrastructure;

/// <summary>Parses and runs a command tree the way both tools (<c>shira</c>, <c>shira-train</c>) do: <c>--json</c>
/// and <c>--quiet</c> read before the parse can fail, parse errors one line each (or one JSON error) with exit 2.</summary>
internal static class RootRunner
{
    /// <summary>Parses <paramref name="args"/> against <paramref name="root"/> and runs the chosen command;
    /// <paramref name="tool"/> is the executable's name in the usage hint.</summary>
    public static int Run(RootCommand root, string[] args, string tool)
    {
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
            console.Error.WriteLine($"Run '{tool} --help' (or '{tool} COMMAND --help') for usage.");
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
