namespace Shira.Native;

/// <summary>
/// The one place exceptions stop: every export runs its body through <see cref="Run"/>, which turns a
/// <see cref="ShiraException"/> into its code, a bad argument into <see cref="ShiraErrorCode.Usage"/> and anything
/// unexpected into <see cref="ShiraErrorCode.NativeInternal"/>, records the message for <c>shira_last_error</c>, and
/// never lets an exception cross into C (which would terminate the host process).
/// </summary>
internal static class Boundary
{
    public static int Run<TState>(TState state, Func<TState, int> body)
    {
        try
        {
            return body(state);
        }
        catch (ShiraException e)
        {
            return Fail(e);
        }
        catch (Exception e) when (e is ArgumentException or OverflowException or NotSupportedException)
        {
            string message = e is ArgumentException a ? ArgumentText(a) : e.Message;
            return Fail(ShiraErrors.Usage(message));
        }
        catch (ObjectDisposedException e)
        {
            return Fail(ShiraErrors.NativeInvalidHandle(e.Message));
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return Fail(ShiraErrorCode.IoError, ShiraException.FormatCode(ShiraErrorCode.IoError) + ": " + e.Message);
        }
        catch (Exception e)
        {
            // Includes OutOfMemoryException: reported, and the host decides what to do.
            return Fail(ShiraErrors.NativeInternal(e.GetType().Name + ": " + e.Message));
        }
    }

    // .NET appends " (Parameter 'x')" to an argument exception's message; C callers get the sentence alone.
    private static string ArgumentText(ArgumentException e)
    {
        string suffix = e.ParamName is null ? "" : $" (Parameter '{e.ParamName}')";
        return suffix.Length > 0 && e.Message.EndsWith(suffix, StringComparison.Ordinal) ? e.Message[..^suffix.Length] : e.Message;
    }

    private static int Fail(ShiraException e) => Fail(e.Code, e.ToString());

    private static int Fail(ShiraErrorCode code, string message)
    {
        try
        {
            LastError.Set(message);
        }
        catch (OutOfMemoryException)
        {
            // The code still reaches the caller.
        }
        return (int)code;
    }
}
