namespace Shira.Format;

// Factories for sections, indices and values (3xxx): one per code, the lead phrase of each message fixed here.
public static partial class ShiraErrors
{
    /// <summary><see cref="ShiraErrorCode.SectionOutOfBounds"/>: A section lies (partly) outside the data area of the
    /// file. Message: <c>section out of bounds: detail</c>.</summary>
    /// <param name="detail">What exactly is wrong at this site.</param>
    /// <param name="file">The file concerned, if known.</param>
    /// <param name="tensor">The tensor concerned, if any.</param>
    /// <param name="offset">The byte offset in <paramref name="file"/>, if known.</param>
    public static ShiraException SectionOutOfBounds(string detail, string? file = null, string? tensor = null, long? offset = null) =>
        Create(ShiraErrorCode.SectionOutOfBounds, "section out of bounds", detail, file, tensor, offset);

    /// <summary><see cref="ShiraErrorCode.SectionOverlapOrMisaligned"/>: Two sections overlap, or a section is not
    /// 64-byte aligned. Message: <c>section overlaps or is misaligned: detail</c>.</summary>
    /// <param name="detail">What exactly is wrong at this site.</param>
    /// <param name="file">The file concerned, if known.</param>
    /// <param name="tensor">The tensor concerned, if any.</param>
    /// <param name="offset">The byte offset in <paramref name="file"/>, if known.</param>
    public static ShiraException SectionOverlapOrMisaligned(string detail, string? file = null, string? tensor = null, long? offset = null) =>
        Create(ShiraErrorCode.SectionOverlapOrMisaligned, "section overlaps or is misaligned", detail, file, tensor, offset);

    /// <summary><see cref="ShiraErrorCode.SectionChecksum"/>: A section's XXH3-64 checksum does not match its stored
    /// bytes. Message: <c>section checksum mismatch: detail</c>.</summary>
    /// <param name="detail">What exactly is wrong at this site.</param>
    /// <param name="file">The file concerned, if known.</param>
    /// <param name="tensor">The tensor concerned, if any.</param>
    /// <param name="offset">The byte offset in <paramref name="file"/>, if known.</param>
    public static ShiraException SectionChecksum(string detail, string? file = null, string? tensor = null, long? offset = null) =>
        Create(ShiraErrorCode.SectionChecksum, "section checksum mismatch", detail, file, tensor, offset);

    /// <summary><see cref="ShiraErrorCode.CodecError"/>: The codec is unknown, or LZ4 decoding failed or produced a
    /// length other than declared. Message: <c>codec error: detail</c>.</summary>
    /// <param name="detail">What exactly is wrong at this site.</param>
    /// <param name="file">The file concerned, if known.</param>
    /// <param name="tensor">The tensor concerned, if any.</param>
    /// <param name="offset">The byte offset in <paramref name="file"/>, if known.</param>
    public static ShiraException CodecError(string detail, string? file = null, string? tensor = null, long? offset = null) =>
        Create(ShiraErrorCode.CodecError, "codec error", detail, file, tensor, offset);

    /// <summary><see cref="ShiraErrorCode.BadDecodedLength"/>: A declared decoded length is inconsistent with the
    /// tensor (nnz × element size, bounds). Message: <c>bad decoded length: detail</c>.</summary>
    /// <param name="detail">What exactly is wrong at this site.</param>
    /// <param name="file">The file concerned, if known.</param>
    /// <param name="tensor">The tensor concerned, if any.</param>
    /// <param name="offset">The byte offset in <paramref name="file"/>, if known.</param>
    public static ShiraException BadDecodedLength(string detail, string? file = null, string? tensor = null, long? offset = null) =>
        Create(ShiraErrorCode.BadDecodedLength, "bad decoded length", detail, file, tensor, offset);

    /// <summary><see cref="ShiraErrorCode.NnzExceedsNumel"/>: nnz is larger than the tensor's element count. Message:
    /// <c>nnz exceeds numel: detail</c>.</summary>
    /// <param name="detail">What exactly is wrong at this site.</param>
    /// <param name="file">The file concerned, if known.</param>
    /// <param name="tensor">The tensor concerned, if any.</param>
    /// <param name="offset">The byte offset in <paramref name="file"/>, if known.</param>
    public static ShiraException NnzExceedsNumel(string detail, string? file = null, string? tensor = null, long? offset = null) =>
        Create(ShiraErrorCode.NnzExceedsNumel, "nnz exceeds numel", detail, file, tensor, offset);

    /// <summary><see cref="ShiraErrorCode.IndexOutOfRange"/>: An index is at or beyond the tensor's element count.
    /// Message: <c>index out of range: detail</c>.</summary>
    /// <param name="detail">What exactly is wrong at this site.</param>
    /// <param name="file">The file concerned, if known.</param>
    /// <param name="tensor">The tensor concerned, if any.</param>
    /// <param name="offset">The byte offset in <paramref name="file"/>, if known.</param>
    public static ShiraException IndexOutOfRange(string detail, string? file = null, string? tensor = null, long? offset = null) =>
        Create(ShiraErrorCode.IndexOutOfRange, "index out of range", detail, file, tensor, offset);

    /// <summary><see cref="ShiraErrorCode.IndexNotIncreasing"/>: Indices are not strictly increasing. Message:
    /// <c>indices not strictly increasing: detail</c>.</summary>
    /// <param name="detail">What exactly is wrong at this site.</param>
    /// <param name="file">The file concerned, if known.</param>
    /// <param name="tensor">The tensor concerned, if any.</param>
    /// <param name="offset">The byte offset in <paramref name="file"/>, if known.</param>
    public static ShiraException IndexNotIncreasing(string detail, string? file = null, string? tensor = null, long? offset = null) =>
        Create(ShiraErrorCode.IndexNotIncreasing, "indices not strictly increasing", detail, file, tensor, offset);

    /// <summary><see cref="ShiraErrorCode.IndexEncodingCorrupt"/>: An index encoding's internal structure is broken
    /// (bad block header, skip table, bit width…). Message: <c>corrupt index encoding: detail</c>.</summary>
    /// <param name="detail">What exactly is wrong at this site.</param>
    /// <param name="file">The file concerned, if known.</param>
    /// <param name="tensor">The tensor concerned, if any.</param>
    /// <param name="offset">The byte offset in <paramref name="file"/>, if known.</param>
    public static ShiraException IndexEncodingCorrupt(string detail, string? file = null, string? tensor = null, long? offset = null) =>
        Create(ShiraErrorCode.IndexEncodingCorrupt, "corrupt index encoding", detail, file, tensor, offset);

    /// <summary><see cref="ShiraErrorCode.BadValues"/>: Value dtype is not one of f32/f16/bf16, or the value section
    /// length is wrong. Message: <c>bad values: detail</c>.</summary>
    /// <param name="detail">What exactly is wrong at this site.</param>
    /// <param name="file">The file concerned, if known.</param>
    /// <param name="tensor">The tensor concerned, if any.</param>
    /// <param name="offset">The byte offset in <paramref name="file"/>, if known.</param>
    public static ShiraException BadValues(string detail, string? file = null, string? tensor = null, long? offset = null) =>
        Create(ShiraErrorCode.BadValues, "bad values", detail, file, tensor, offset);

    /// <summary><see cref="ShiraErrorCode.NonFiniteValue"/>: A value is NaN or infinite (rejected by validation;
    /// writers refuse them too). Message: <c>non-finite value: detail</c>.</summary>
    /// <param name="detail">What exactly is wrong at this site.</param>
    /// <param name="file">The file concerned, if known.</param>
    /// <param name="tensor">The tensor concerned, if any.</param>
    /// <param name="offset">The byte offset in <paramref name="file"/>, if known.</param>
    public static ShiraException NonFiniteValue(string detail, string? file = null, string? tensor = null, long? offset = null) =>
        Create(ShiraErrorCode.NonFiniteValue, "non-finite value", detail, file, tensor, offset);

    /// <summary><see cref="ShiraErrorCode.BadStructuredMask"/>: Structured-mask parameters are invalid (rows/columns
    /// out of range or unsorted, count mismatch). Message: <c>bad structured mask: detail</c>.</summary>
    /// <param name="detail">What exactly is wrong at this site.</param>
    /// <param name="file">The file concerned, if known.</param>
    /// <param name="tensor">The tensor concerned, if any.</param>
    /// <param name="offset">The byte offset in <paramref name="file"/>, if known.</param>
    public static ShiraException BadStructuredMask(string detail, string? file = null, string? tensor = null, long? offset = null) =>
        Create(ShiraErrorCode.BadStructuredMask, "bad structured mask", detail, file, tensor, offset);
}
