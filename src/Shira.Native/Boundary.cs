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
            return Fail(e.Code, e.ToString());
        }
        catch (NativeCallException e)
        {
            return Fail(e.Code, ShiraException.FormatCode(e.Code) + ": " + e.Message);
        }
        catch (Exception e) when (e is ArgumentException or OverflowException or NotSupportedException)
        {
            return Fail(ShiraErrorCode.Usage, ShiraException.FormatCode(ShiraErrorCode.Usage) + ": " + e.Message);
        }
        catch (ObjectDisposedException e)
        {
            return Fail(ShiraErrorCode.NativeInvalidHandle, ShiraException.FormatCode(ShiraErrorCode.NativeInvalidHandle) + ": " + e.Message);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return Fail(ShiraErrorCode.IoError, ShiraException.FormatCode(ShiraErrorCode.IoError) + ": " + e.Message);
        }
        catch (Exception e)
        {
            // Includes OutOfMemoryException: reported, and the host decides what to do.
            return Fail(ShiraErrorCode.NativeInternal,
                ShiraException.FormatCode(ShiraErrorCode.NativeInternal) + ": " + e.GetType().Name + ": " + e.Message);
        }
    }

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
