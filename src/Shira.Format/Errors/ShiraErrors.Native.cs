namespace Shira.Format;

// Factories for the C interface, libshira (8xxx): one per code, the lead phrase of each message fixed here.
public static partial class ShiraErrors
{
    /// <summary><see cref="ShiraErrorCode.NativeBufferTooSmall"/>: A caller buffer passed to libshira is smaller than
    /// the data; nothing was written. Message: <c>buffer too small: detail</c>.</summary>
    /// <param name="detail">What exactly is wrong at this site.</param>
    /// <param name="file">The file concerned, if known.</param>
    /// <param name="tensor">The tensor concerned, if any.</param>
    /// <param name="offset">The byte offset in <paramref name="file"/>, if known.</param>
    public static ShiraException NativeBufferTooSmall(string detail, string? file = null, string? tensor = null, long? offset = null) =>
        Create(ShiraErrorCode.NativeBufferTooSmall, "buffer too small", detail, file, tensor, offset);

    /// <summary><see cref="ShiraErrorCode.NativeInvalidHandle"/>: A libshira handle is NULL, unknown or already closed.
    /// Message: <c>invalid handle: detail</c>.</summary>
    /// <param name="detail">What exactly is wrong at this site.</param>
    /// <param name="file">The file concerned, if known.</param>
    /// <param name="tensor">The tensor concerned, if any.</param>
    /// <param name="offset">The byte offset in <paramref name="file"/>, if known.</param>
    public static ShiraException NativeInvalidHandle(string detail, string? file = null, string? tensor = null, long? offset = null) =>
        Create(ShiraErrorCode.NativeInvalidHandle, "invalid handle", detail, file, tensor, offset);

    /// <summary><see cref="ShiraErrorCode.NativeNotFound"/>: No tensor of that name, or a tensor index out of range
    /// (libshira). Message: <c>not found: detail</c>.</summary>
    /// <param name="detail">What exactly is wrong at this site.</param>
    /// <param name="file">The file concerned, if known.</param>
    /// <param name="tensor">The tensor concerned, if any.</param>
    /// <param name="offset">The byte offset in <paramref name="file"/>, if known.</param>
    public static ShiraException NativeNotFound(string detail, string? file = null, string? tensor = null, long? offset = null) =>
        Create(ShiraErrorCode.NativeNotFound, "not found", detail, file, tensor, offset);

    /// <summary><see cref="ShiraErrorCode.NativeInternal"/>: An unexpected error was caught at the libshira boundary (a
    /// bug; the process keeps running). Message: <c>internal error: detail</c>.</summary>
    /// <param name="detail">What exactly is wrong at this site.</param>
    /// <param name="file">The file concerned, if known.</param>
    /// <param name="tensor">The tensor concerned, if any.</param>
    /// <param name="offset">The byte offset in <paramref name="file"/>, if known.</param>
    public static ShiraException NativeInternal(string detail, string? file = null, string? tensor = null, long? offset = null) =>
        Create(ShiraErrorCode.NativeInternal, "internal error", detail, file, tensor, offset);
}
