using System.Runtime.InteropServices;
using Shira.Format;
using Shira.Format.IO;

namespace Shira.Cli.Infrastructure;

/// <summary>Runs a command body and turns every failure into one error (a line on standard error, or a JSON object on
/// standard output under <c>--json</c>) and an exit code: never a stack trace.</summary>
internal static class CommandRunner
{
    private static PosixSignalRegistration? _sigint, _sigterm;

    /// <summary>SIGINT (Ctrl+C) and SIGTERM end the process cleanly: the output files being written are deleted (no
    /// temporary is left, the targets are untouched) and the exit code is 130 or 143, as a shell reports a signal.
    /// An in-place operation stopped this way is rolled back by its journal when the base is next opened in place
    /// (or by `shira recover`), exactly as after a crash.</summary>
    public static void InstallSignalHandlers()
    {
        _sigint ??= PosixSignalRegistration.Create(PosixSignal.SIGINT, ctx => Stop(ctx, "SIGINT", 130));
        _sigterm ??= PosixSignalRegistration.Create(PosixSignal.SIGTERM, ctx => Stop(ctx, "SIGTERM", 143));
    }

    private static void Stop(PosixSignalContext ctx, string name, int exitCode)
    {
        ctx.Cancel = true;
        AtomicFile.DeleteInFlight();
        try { CliConsole.Current.Error.WriteLine($"error: interrupted by {name}; no output was written"); }
        catch (IOException) { }
        Environment.Exit(exitCode);
    }

    /// <summary>Runs <paramref name="body"/>; maps <see cref="ShiraException"/> to 1 or 2 and I/O failures to 2.</summary>
    public static int Run(Func<int> body)
    {
        try
        {
            return body();
        }
        catch (ShiraException e)
        {
            return Fail(e.Code, e.Message, e.FilePath, e.Tensor, e.Offset);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            string? file = (e as FileNotFoundException)?.FileName ?? CliConsole.Current.OutputPath;
            return Fail(ShiraErrorCode.IoError, e.Message, file, null, null);
        }
        catch (UsageException e)
        {
            return Fail(ShiraErrorCode.Usage, e.Message, null, null, null);
        }
        catch (ArgumentException e)
        {
            // A library refusing an argument the parser let through (a value out of its range): a usage error.
            return Fail(ShiraErrorCode.Usage, ArgumentMessage(e), null, null, null);
        }
        catch (OperationCanceledException)
        {
            return Fail(ShiraErrorCode.Usage, "cancelled", null, null, null);
        }
#pragma warning disable CA1031 // the last line of defence: users get a message, not a stack trace
        catch (Exception e)
        {
            int exit = Fail(ShiraErrorCode.Usage, "internal error: " + e.Message, null, null, null);
            if (!CliConsole.Current.Json)
                CliConsole.Current.Error.WriteLine("This is a bug in shira; please report it with the command line that caused it.");
            return exit;
        }
#pragma warning restore CA1031
    }

    /// <summary>The message without .NET's " (Parameter 'x')" suffix or "Actual value" line.</summary>
    internal static string ArgumentMessage(ArgumentException e)
    {
        string m = e.Message;
        int nl = m.IndexOfAny(['\r', '\n']);
        if (nl >= 0) m = m[..nl];
        if (e.ParamName is { } p && m.EndsWith($" (Parameter '{p}')", StringComparison.Ordinal))
            m = m[..^($" (Parameter '{p}')".Length)];
        return m;
    }

    /// <summary>Prints one error in the invocation's form and returns its exit code. Temporary-file names in the
    /// message are replaced by the output the user named.</summary>
    public static int Fail(ShiraErrorCode code, string message, string? file, string? tensor, long? offset)
    {
        var console = CliConsole.Current;
        int exit = ExitCodes.For(code);
        message = OutputPaths.Scrub(message);
        if (file is not null) file = OutputPaths.Scrub(file);
        if (console.Json) JsonOutput.WriteError(console.Command ?? "shira", exit, code, message, file, tensor, offset);
        else console.Error.WriteLine("error: " + ShiraException.FormatLine(code, message, file, tensor, offset));
        return exit;
    }
}

/// <summary>Thrown by command code for argument combinations the parser cannot express (exit code 2).</summary>
internal sealed class UsageException(string message) : Exception(message);
