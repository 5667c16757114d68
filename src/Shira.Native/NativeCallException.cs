namespace Shira.Native;

/// <summary>A bad call at the C boundary (NULL handle, short buffer, unknown tensor): reported as its code.</summary>
internal sealed class NativeCallException(ShiraErrorCode code, string message) : Exception(message)
{
    public ShiraErrorCode Code { get; } = code;

    public static NativeCallException Null(string parameter) =>
        new(ShiraErrorCode.Usage, $"{parameter} is NULL");

    public static NativeCallException TooSmall(string what, ulong capacity, ulong needed) =>
        new(ShiraErrorCode.NativeBufferTooSmall, $"{what} holds {capacity} but {needed} are needed; nothing was written");
}
