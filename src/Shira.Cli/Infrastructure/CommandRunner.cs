using Shira.Format;

namespace Shira.Cli.Infrastructure;

/// <summary>Runs a command body and turns every failure into a one-line message and an exit code: never a stack trace.</summary>
internal static class CommandRunner
{
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
        catch (ArgumentException e)
        {
            // A library refused an argument the command passed on (a value out of range): usage, one line.
            console.Error.WriteLine($"error: {ShiraException.FormatCode(ShiraErrorCode.Usage)}: {ArgumentMessage(e)}");
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
}

/// <summary>Thrown by command code for argument combinations the parser cannot express (exit code 2).</summary>
internal sealed class UsageException(string message) : Exception(message);
