namespace Shira.Format;

// Factories for the manifest (2xxx): one per code, the lead phrase of each message fixed here.
public static partial class ShiraErrors
{
    /// <summary><see cref="ShiraErrorCode.ManifestOutOfBounds"/>: The manifest's offset or length is outside the file
    /// or overlaps other regions. Message: <c>manifest out of bounds: detail</c>.</summary>
    /// <param name="detail">What exactly is wrong at this site.</param>
    /// <param name="file">The file concerned, if known.</param>
    /// <param name="tensor">The tensor concerned, if any.</param>
    /// <param name="offset">The byte offset in <paramref name="file"/>, if known.</param>
    public static ShiraException ManifestOutOfBounds(string detail, string? file = null, string? tensor = null, long? offset = null) =>
        Create(ShiraErrorCode.ManifestOutOfBounds, "manifest out of bounds", detail, file, tensor, offset);

    /// <summary><see cref="ShiraErrorCode.ManifestChecksum"/>: The manifest's checksum does not match. Message:
    /// <c>manifest checksum mismatch: detail</c>.</summary>
    /// <param name="detail">What exactly is wrong at this site.</param>
    /// <param name="file">The file concerned, if known.</param>
    /// <param name="tensor">The tensor concerned, if any.</param>
    /// <param name="offset">The byte offset in <paramref name="file"/>, if known.</param>
    public static ShiraException ManifestChecksum(string detail, string? file = null, string? tensor = null, long? offset = null) =>
        Create(ShiraErrorCode.ManifestChecksum, "manifest checksum mismatch", detail, file, tensor, offset);

    /// <summary><see cref="ShiraErrorCode.ManifestMalformed"/>: The manifest is not a valid protobuf message or exceeds
    /// the size/recursion limits. Message: <c>malformed manifest: detail</c>.</summary>
    /// <param name="detail">What exactly is wrong at this site.</param>
    /// <param name="file">The file concerned, if known.</param>
    /// <param name="tensor">The tensor concerned, if any.</param>
    /// <param name="offset">The byte offset in <paramref name="file"/>, if known.</param>
    public static ShiraException ManifestMalformed(string detail, string? file = null, string? tensor = null, long? offset = null) =>
        Create(ShiraErrorCode.ManifestMalformed, "malformed manifest", detail, file, tensor, offset);

    /// <summary><see cref="ShiraErrorCode.ManifestTooLarge"/>: The manifest is larger than the configured limit.
    /// Message: <c>manifest too large: detail</c>.</summary>
    /// <param name="detail">What exactly is wrong at this site.</param>
    /// <param name="file">The file concerned, if known.</param>
    /// <param name="tensor">The tensor concerned, if any.</param>
    /// <param name="offset">The byte offset in <paramref name="file"/>, if known.</param>
    public static ShiraException ManifestTooLarge(string detail, string? file = null, string? tensor = null, long? offset = null) =>
        Create(ShiraErrorCode.ManifestTooLarge, "manifest too large", detail, file, tensor, offset);

    /// <summary><see cref="ShiraErrorCode.ManifestInvalidField"/>: A required manifest field is missing or has an
    /// invalid value (enum out of range, empty name…). Message: <c>invalid manifest field: detail</c>.</summary>
    /// <param name="detail">What exactly is wrong at this site.</param>
    /// <param name="file">The file concerned, if known.</param>
    /// <param name="tensor">The tensor concerned, if any.</param>
    /// <param name="offset">The byte offset in <paramref name="file"/>, if known.</param>
    public static ShiraException ManifestInvalidField(string detail, string? file = null, string? tensor = null, long? offset = null) =>
        Create(ShiraErrorCode.ManifestInvalidField, "invalid manifest field", detail, file, tensor, offset);

    /// <summary><see cref="ShiraErrorCode.DuplicateTensor"/>: Two tensor entries target the same tensor name. Message:
    /// <c>duplicate tensor: detail</c>.</summary>
    /// <param name="detail">What exactly is wrong at this site.</param>
    /// <param name="file">The file concerned, if known.</param>
    /// <param name="tensor">The tensor concerned, if any.</param>
    /// <param name="offset">The byte offset in <paramref name="file"/>, if known.</param>
    public static ShiraException DuplicateTensor(string detail, string? file = null, string? tensor = null, long? offset = null) =>
        Create(ShiraErrorCode.DuplicateTensor, "duplicate tensor", detail, file, tensor, offset);

    /// <summary><see cref="ShiraErrorCode.BadShape"/>: A tensor's shape has a bad rank (not 1–4), a zero or negative
    /// dimension, or its product overflows. Message: <c>bad shape: detail</c>.</summary>
    /// <param name="detail">What exactly is wrong at this site.</param>
    /// <param name="file">The file concerned, if known.</param>
    /// <param name="tensor">The tensor concerned, if any.</param>
    /// <param name="offset">The byte offset in <paramref name="file"/>, if known.</param>
    public static ShiraException BadShape(string detail, string? file = null, string? tensor = null, long? offset = null) =>
        Create(ShiraErrorCode.BadShape, "bad shape", detail, file, tensor, offset);

    /// <summary><see cref="ShiraErrorCode.BadReference"/>: A tensor or index set refers to a section or index set that
    /// does not exist or has the wrong kind. Message: <c>bad reference: detail</c>.</summary>
    /// <param name="detail">What exactly is wrong at this site.</param>
    /// <param name="file">The file concerned, if known.</param>
    /// <param name="tensor">The tensor concerned, if any.</param>
    /// <param name="offset">The byte offset in <paramref name="file"/>, if known.</param>
    public static ShiraException BadReference(string detail, string? file = null, string? tensor = null, long? offset = null) =>
        Create(ShiraErrorCode.BadReference, "bad reference", detail, file, tensor, offset);

    /// <summary><see cref="ShiraErrorCode.NotCanonical"/>: Manifest entries are not in canonical order (sorted names,
    /// ascending sections). Message: <c>not canonical: detail</c>.</summary>
    /// <param name="detail">What exactly is wrong at this site.</param>
    /// <param name="file">The file concerned, if known.</param>
    /// <param name="tensor">The tensor concerned, if any.</param>
    /// <param name="offset">The byte offset in <paramref name="file"/>, if known.</param>
    public static ShiraException NotCanonical(string detail, string? file = null, string? tensor = null, long? offset = null) =>
        Create(ShiraErrorCode.NotCanonical, "not canonical", detail, file, tensor, offset);

    /// <summary><see cref="ShiraErrorCode.LimitExceeded"/>: Counts exceed configured limits (tensors, sections,
    /// metadata entries). Message: <c>limit exceeded: detail</c>.</summary>
    /// <param name="detail">What exactly is wrong at this site.</param>
    /// <param name="file">The file concerned, if known.</param>
    /// <param name="tensor">The tensor concerned, if any.</param>
    /// <param name="offset">The byte offset in <paramref name="file"/>, if known.</param>
    public static ShiraException LimitExceeded(string detail, string? file = null, string? tensor = null, long? offset = null) =>
        Create(ShiraErrorCode.LimitExceeded, "limit exceeded", detail, file, tensor, offset);
}
