using System.Runtime.InteropServices;
using Shira.Format;
using Shira.Format.IO;

namespace Shira.Cli.Infrastructure;

/// <summary>Runs a command body and turns every failure into a one-line message and an exit code: never a stack trace.</summary>
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
        var console = CliConsole.Current;
        try
        {
            return body();
        }
        catch (ShiraException e)
        {
            console.Error.WriteLine("error: " + e);
            return ExitCodes.For(e.Code);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            console.Error.WriteLine($"error: {ShiraException.FormatCode(ShiraErrorCode.IoError)}: {e.Message}");
            return ExitCodes.UsageOrIo;
        }
        catch (UsageException e)
        {
            console.Error.WriteLine($"error: {ShiraException.FormatCode(ShiraErrorCode.Usage)}: {e.Message}");
            return ExitCodes.UsageOrIo;
        }
        catch (OperationCanceledException)
        {
            console.Error.WriteLine("error: cancelled");
            return ExitCodes.UsageOrIo;
        }
#pragma warning disable CA1031 // the last line of defence: users get a message, not a stack trace
        catch (Exception e)
        {
            console.Error.WriteLine($"error: internal error ({e.GetType().Name}): {e.Message}");
            console.Error.WriteLine("This is a bug in shira; please report it with the command line that caused it.");
            return ExitCodes.UsageOrIo;
        }
#pragma warning restore CA1031
    }
}

/// <summary>Thrown by command code for argument combinations the parser cannot express (exit code 2).</summary>
internal sealed class UsageException(string message) : Exception(message);
