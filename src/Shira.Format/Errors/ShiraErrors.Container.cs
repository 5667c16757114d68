namespace Shira.Format;

// Factories for the container layout (1xxx): one per code, the lead phrase of each message fixed here.
public static partial class ShiraErrors
{
    /// <summary><see cref="ShiraErrorCode.FileTooSmall"/>: The file is shorter than the smallest valid container
    /// (header + trailer). Message: <c>file too small: detail</c>.</summary>
    /// <param name="detail">What exactly is wrong at this site.</param>
    /// <param name="file">The file concerned, if known.</param>
    /// <param name="tensor">The tensor concerned, if any.</param>
    /// <param name="offset">The byte offset in <paramref name="file"/>, if known.</param>
    public static ShiraException FileTooSmall(string detail, string? file = null, string? tensor = null, long? offset = null) =>
        Create(ShiraErrorCode.FileTooSmall, "file too small", detail, file, tensor, offset);

    /// <summary><see cref="ShiraErrorCode.BadMagic"/>: The leading magic bytes are not the .shira magic. Message:
    /// <c>bad magic: detail</c>.</summary>
    /// <param name="detail">What exactly is wrong at this site.</param>
    /// <param name="file">The file concerned, if known.</param>
    /// <param name="tensor">The tensor concerned, if any.</param>
    /// <param name="offset">The byte offset in <paramref name="file"/>, if known.</param>
    public static ShiraException BadMagic(string detail, string? file = null, string? tensor = null, long? offset = null) =>
        Create(ShiraErrorCode.BadMagic, "bad magic", detail, file, tensor, offset);

    /// <summary><see cref="ShiraErrorCode.BadTrailer"/>: The trailer magic, length or checksum is wrong. Message:
    /// <c>bad trailer: detail</c>.</summary>
    /// <param name="detail">What exactly is wrong at this site.</param>
    /// <param name="file">The file concerned, if known.</param>
    /// <param name="tensor">The tensor concerned, if any.</param>
    /// <param name="offset">The byte offset in <paramref name="file"/>, if known.</param>
    public static ShiraException BadTrailer(string detail, string? file = null, string? tensor = null, long? offset = null) =>
        Create(ShiraErrorCode.BadTrailer, "bad trailer", detail, file, tensor, offset);

    /// <summary><see cref="ShiraErrorCode.UnsupportedVersion"/>: The major format version is not one this reader
    /// understands. Message: <c>unsupported format version: detail</c>.</summary>
    /// <param name="detail">What exactly is wrong at this site.</param>
    /// <param name="file">The file concerned, if known.</param>
    /// <param name="tensor">The tensor concerned, if any.</param>
    /// <param name="offset">The byte offset in <paramref name="file"/>, if known.</param>
    public static ShiraException UnsupportedVersion(string detail, string? file = null, string? tensor = null, long? offset = null) =>
        Create(ShiraErrorCode.UnsupportedVersion, "unsupported format version", detail, file, tensor, offset);

    /// <summary><see cref="ShiraErrorCode.ReservedNotZero"/>: Reserved header/trailer flags or fields are not zero.
    /// Message: <c>reserved field not zero: detail</c>.</summary>
    /// <param name="detail">What exactly is wrong at this site.</param>
    /// <param name="file">The file concerned, if known.</param>
    /// <param name="tensor">The tensor concerned, if any.</param>
    /// <param name="offset">The byte offset in <paramref name="file"/>, if known.</param>
    public static ShiraException ReservedNotZero(string detail, string? file = null, string? tensor = null, long? offset = null) =>
        Create(ShiraErrorCode.ReservedNotZero, "reserved field not zero", detail, file, tensor, offset);

    /// <summary><see cref="ShiraErrorCode.LengthMismatch"/>: The file length recorded in the trailer differs from the
    /// real file length. Message: <c>file length mismatch: detail</c>.</summary>
    /// <param name="detail">What exactly is wrong at this site.</param>
    /// <param name="file">The file concerned, if known.</param>
    /// <param name="tensor">The tensor concerned, if any.</param>
    /// <param name="offset">The byte offset in <paramref name="file"/>, if known.</param>
    public static ShiraException LengthMismatch(string detail, string? file = null, string? tensor = null, long? offset = null) =>
        Create(ShiraErrorCode.LengthMismatch, "file length mismatch", detail, file, tensor, offset);

    /// <summary><see cref="ShiraErrorCode.NonZeroPadding"/>: Padding bytes between sections are not zero. Message:
    /// <c>non-zero padding: detail</c>.</summary>
    /// <param name="detail">What exactly is wrong at this site.</param>
    /// <param name="file">The file concerned, if known.</param>
    /// <param name="tensor">The tensor concerned, if any.</param>
    /// <param name="offset">The byte offset in <paramref name="file"/>, if known.</param>
    public static ShiraException NonZeroPadding(string detail, string? file = null, string? tensor = null, long? offset = null) =>
        Create(ShiraErrorCode.NonZeroPadding, "non-zero padding", detail, file, tensor, offset);

    /// <summary><see cref="ShiraErrorCode.UnaccountedBytes"/>: Bytes that no section, padding rule, manifest, header or
    /// trailer accounts for. Message: <c>unaccounted bytes: detail</c>.</summary>
    /// <param name="detail">What exactly is wrong at this site.</param>
    /// <param name="file">The file concerned, if known.</param>
    /// <param name="tensor">The tensor concerned, if any.</param>
    /// <param name="offset">The byte offset in <paramref name="file"/>, if known.</param>
    public static ShiraException UnaccountedBytes(string detail, string? file = null, string? tensor = null, long? offset = null) =>
        Create(ShiraErrorCode.UnaccountedBytes, "unaccounted bytes", detail, file, tensor, offset);

    /// <summary><see cref="ShiraErrorCode.VersionMismatch"/>: The header, trailer and manifest disagree on the format
    /// version. Message: <c>format version mismatch: detail</c>.</summary>
    /// <param name="detail">What exactly is wrong at this site.</param>
    /// <param name="file">The file concerned, if known.</param>
    /// <param name="tensor">The tensor concerned, if any.</param>
    /// <param name="offset">The byte offset in <paramref name="file"/>, if known.</param>
    public static ShiraException VersionMismatch(string detail, string? file = null, string? tensor = null, long? offset = null) =>
        Create(ShiraErrorCode.VersionMismatch, "format version mismatch", detail, file, tensor, offset);
}
