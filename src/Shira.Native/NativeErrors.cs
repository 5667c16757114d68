namespace Shira.Native;

// Names are qualified so that this file needs no `using Shira.Format;` (which may be a project-wide global using).

/// <summary>The errors of a bad call at the C boundary. A NULL pointer is a caller's mistake (an
/// <see cref="ArgumentNullException"/>, reported as <see cref="Shira.Format.ShiraErrorCode.Usage"/>); a short buffer has
/// its own code.</summary>
internal static class NativeErrors
{
    public static ArgumentNullException Null(string parameter) => new(parameter, $"{parameter} is NULL");

    public static Shira.Format.ShiraException TooSmall(string what, ulong capacity, ulong needed) =>
        Shira.Format.ShiraErrors.NativeBufferTooSmall($"{what} holds {capacity} but {needed} are needed; nothing was written");
}
