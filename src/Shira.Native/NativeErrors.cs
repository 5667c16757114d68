using Shira.Format;

namespace Shira.Native;

/// <summary>The errors of a bad call at the C boundary. A NULL pointer is a caller's mistake (an
/// <see cref="ArgumentNullException"/>, reported as <see cref="ShiraErrorCode.Usage"/>); a short buffer has its own code.</summary>
internal static class NativeErrors
{
    public static ArgumentNullException Null(string parameter) => new(parameter, $"{parameter} is NULL");

    public static ShiraException TooSmall(string what, ulong capacity, ulong needed) =>
        ShiraErrors.NativeBufferTooSmall($"{what} holds {capacity} but {needed} are needed; nothing was written");
}
