namespace Shira.Format;

// Factories for I/O and usage (9xxx): one per code, the lead phrase of each message fixed here.
public static partial class ShiraErrors
{
    /// <summary><see cref="ShiraErrorCode.IoError"/>: The file could not be opened, read or written. Message: <c>cannot
    /// access 'file': detail</c>.</summary>
    /// <param name="file">The path that could not be accessed.</param>
    /// <param name="detail">What went wrong (for a caught exception, its message).</param>
    /// <param name="inner">The exception that was caught, if any.</param>
    public static ShiraException IoError(string file, string detail, Exception? inner = null) =>
        new(ShiraErrorCode.IoError, $"cannot access '{file}': {detail}", file, null, null, inner);

    /// <summary><see cref="ShiraErrorCode.Usage"/>: Bad command-line arguments (the CLI's code; a library given a bad
    /// argument throws an <see cref="ArgumentException"/>, which the CLI reports under this code). Message: <c>usage:
    /// detail</c>.</summary>
    /// <param name="detail">What exactly is wrong at this site.</param>
    /// <param name="file">The file concerned, if known.</param>
    /// <param name="tensor">The tensor concerned, if any.</param>
    /// <param name="offset">The byte offset in <paramref name="file"/>, if known.</param>
    public static ShiraException Usage(string detail, string? file = null, string? tensor = null, long? offset = null) =>
        Create(ShiraErrorCode.Usage, "usage", detail, file, tensor, offset);

    /// <summary><see cref="ShiraErrorCode.NotRegularFile"/>: A path given as a file is not a regular file (a directory,
    /// FIFO, socket or device). Message: <c>not a regular file: detail</c>.</summary>
    /// <param name="detail">What exactly is wrong at this site.</param>
    /// <param name="file">The file concerned, if known.</param>
    /// <param name="tensor">The tensor concerned, if any.</param>
    /// <param name="offset">The byte offset in <paramref name="file"/>, if known.</param>
    public static ShiraException NotRegularFile(string detail, string? file = null, string? tensor = null, long? offset = null) =>
        Create(ShiraErrorCode.NotRegularFile, "not a regular file", detail, file, tensor, offset);

    /// <summary><see cref="ShiraErrorCode.OutputExists"/>: The output path already exists and overwriting was not asked
    /// for (<c>--force</c>). Message: <c>output exists: detail</c>.</summary>
    /// <param name="detail">What exactly is wrong at this site.</param>
    /// <param name="file">The file concerned, if known.</param>
    /// <param name="tensor">The tensor concerned, if any.</param>
    /// <param name="offset">The byte offset in <paramref name="file"/>, if known.</param>
    public static ShiraException OutputExists(string detail, string? file = null, string? tensor = null, long? offset = null) =>
        Create(ShiraErrorCode.OutputExists, "output exists", detail, file, tensor, offset);
}
