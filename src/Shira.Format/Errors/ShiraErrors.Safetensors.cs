namespace Shira.Format;

// Factories for safetensors files and checkpoints (4xxx): one per code, the lead phrase of each message fixed here.
public static partial class ShiraErrors
{
    /// <summary><see cref="ShiraErrorCode.SafetensorsTooSmall"/>: The safetensors file is shorter than its 8-byte
    /// header length prefix. Message: <c>safetensors file too small: detail</c>.</summary>
    /// <param name="detail">What exactly is wrong at this site.</param>
    /// <param name="file">The file concerned, if known.</param>
    /// <param name="tensor">The tensor concerned, if any.</param>
    /// <param name="offset">The byte offset in <paramref name="file"/>, if known.</param>
    public static ShiraException SafetensorsTooSmall(string detail, string? file = null, string? tensor = null, long? offset = null) =>
        Create(ShiraErrorCode.SafetensorsTooSmall, "safetensors file too small", detail, file, tensor, offset);

    /// <summary><see cref="ShiraErrorCode.SafetensorsHeaderTooLarge"/>: The declared header length exceeds the cap (100
    /// MB) or the file. Message: <c>safetensors header too large: detail</c>.</summary>
    /// <param name="detail">What exactly is wrong at this site.</param>
    /// <param name="file">The file concerned, if known.</param>
    /// <param name="tensor">The tensor concerned, if any.</param>
    /// <param name="offset">The byte offset in <paramref name="file"/>, if known.</param>
    public static ShiraException SafetensorsHeaderTooLarge(string detail, string? file = null, string? tensor = null, long? offset = null) =>
        Create(ShiraErrorCode.SafetensorsHeaderTooLarge, "safetensors header too large", detail, file, tensor, offset);

    /// <summary><see cref="ShiraErrorCode.SafetensorsInvalidHeader"/>: The header is not valid UTF-8 JSON, not an
    /// object, or has an unexpected structure. Message: <c>invalid safetensors header: detail</c>.</summary>
    /// <param name="detail">What exactly is wrong at this site.</param>
    /// <param name="file">The file concerned, if known.</param>
    /// <param name="tensor">The tensor concerned, if any.</param>
    /// <param name="offset">The byte offset in <paramref name="file"/>, if known.</param>
    public static ShiraException SafetensorsInvalidHeader(string detail, string? file = null, string? tensor = null, long? offset = null) =>
        Create(ShiraErrorCode.SafetensorsInvalidHeader, "invalid safetensors header", detail, file, tensor, offset);

    /// <summary><see cref="ShiraErrorCode.SafetensorsUnknownDType"/>: Unknown dtype string. Message: <c>unknown
    /// safetensors dtype: detail</c>.</summary>
    /// <param name="detail">What exactly is wrong at this site.</param>
    /// <param name="file">The file concerned, if known.</param>
    /// <param name="tensor">The tensor concerned, if any.</param>
    /// <param name="offset">The byte offset in <paramref name="file"/>, if known.</param>
    public static ShiraException SafetensorsUnknownDType(string detail, string? file = null, string? tensor = null, long? offset = null) =>
        Create(ShiraErrorCode.SafetensorsUnknownDType, "unknown safetensors dtype", detail, file, tensor, offset);

    /// <summary><see cref="ShiraErrorCode.SafetensorsInvalidOffsets"/>: data_offsets are not ordered, not contiguous,
    /// outside the buffer, or do not cover it exactly. Message: <c>invalid safetensors data offsets:
    /// detail</c>.</summary>
    /// <param name="detail">What exactly is wrong at this site.</param>
    /// <param name="file">The file concerned, if known.</param>
    /// <param name="tensor">The tensor concerned, if any.</param>
    /// <param name="offset">The byte offset in <paramref name="file"/>, if known.</param>
    public static ShiraException SafetensorsInvalidOffsets(string detail, string? file = null, string? tensor = null, long? offset = null) =>
        Create(ShiraErrorCode.SafetensorsInvalidOffsets, "invalid safetensors data offsets", detail, file, tensor, offset);

    /// <summary><see cref="ShiraErrorCode.SafetensorsLengthMismatch"/>: The byte length does not equal shape product ×
    /// dtype size, or the shape product overflows. Message: <c>safetensors length mismatch: detail</c>.</summary>
    /// <param name="detail">What exactly is wrong at this site.</param>
    /// <param name="file">The file concerned, if known.</param>
    /// <param name="tensor">The tensor concerned, if any.</param>
    /// <param name="offset">The byte offset in <paramref name="file"/>, if known.</param>
    public static ShiraException SafetensorsLengthMismatch(string detail, string? file = null, string? tensor = null, long? offset = null) =>
        Create(ShiraErrorCode.SafetensorsLengthMismatch, "safetensors length mismatch", detail, file, tensor, offset);

    /// <summary><see cref="ShiraErrorCode.SafetensorsDuplicateTensor"/>: A tensor name appears twice (in a file or
    /// across the shards of a checkpoint). Message: <c>duplicate safetensors tensor: detail</c>.</summary>
    /// <param name="detail">What exactly is wrong at this site.</param>
    /// <param name="file">The file concerned, if known.</param>
    /// <param name="tensor">The tensor concerned, if any.</param>
    /// <param name="offset">The byte offset in <paramref name="file"/>, if known.</param>
    public static ShiraException SafetensorsDuplicateTensor(string detail, string? file = null, string? tensor = null, long? offset = null) =>
        Create(ShiraErrorCode.SafetensorsDuplicateTensor, "duplicate safetensors tensor", detail, file, tensor, offset);

    /// <summary><see cref="ShiraErrorCode.SafetensorsUnsupportedDType"/>: The dtype exists but this operation does not
    /// support it (e.g. sub-byte types). Message: <c>unsupported safetensors dtype: detail</c>.</summary>
    /// <param name="detail">What exactly is wrong at this site.</param>
    /// <param name="file">The file concerned, if known.</param>
    /// <param name="tensor">The tensor concerned, if any.</param>
    /// <param name="offset">The byte offset in <paramref name="file"/>, if known.</param>
    public static ShiraException SafetensorsUnsupportedDType(string detail, string? file = null, string? tensor = null, long? offset = null) =>
        Create(ShiraErrorCode.SafetensorsUnsupportedDType, "unsupported safetensors dtype", detail, file, tensor, offset);

    /// <summary><see cref="ShiraErrorCode.SafetensorsBadIndex"/>: A sharded-checkpoint index
    /// (model.safetensors.index.json) is malformed or points at missing tensors/files. Message: <c>bad
    /// sharded-checkpoint index: detail</c>.</summary>
    /// <param name="detail">What exactly is wrong at this site.</param>
    /// <param name="file">The file concerned, if known.</param>
    /// <param name="tensor">The tensor concerned, if any.</param>
    /// <param name="offset">The byte offset in <paramref name="file"/>, if known.</param>
    public static ShiraException SafetensorsBadIndex(string detail, string? file = null, string? tensor = null, long? offset = null) =>
        Create(ShiraErrorCode.SafetensorsBadIndex, "bad sharded-checkpoint index", detail, file, tensor, offset);

    /// <summary><see cref="ShiraErrorCode.SafetensorsTensorNotFound"/>: The requested tensor does not exist. Message:
    /// <c>tensor not found: detail</c>.</summary>
    /// <param name="detail">What exactly is wrong at this site.</param>
    /// <param name="file">The file concerned, if known.</param>
    /// <param name="tensor">The tensor concerned, if any.</param>
    /// <param name="offset">The byte offset in <paramref name="file"/>, if known.</param>
    public static ShiraException SafetensorsTensorNotFound(string detail, string? file = null, string? tensor = null, long? offset = null) =>
        Create(ShiraErrorCode.SafetensorsTensorNotFound, "tensor not found", detail, file, tensor, offset);

    /// <summary><see cref="ShiraErrorCode.SafetensorsTensorTooLarge"/>: The tensor is too large for one span or array
    /// (over 2 GiB or 2^31 elements); read it in slices. Message: <c>tensor too large: detail</c>.</summary>
    /// <param name="detail">What exactly is wrong at this site.</param>
    /// <param name="file">The file concerned, if known.</param>
    /// <param name="tensor">The tensor concerned, if any.</param>
    /// <param name="offset">The byte offset in <paramref name="file"/>, if known.</param>
    public static ShiraException SafetensorsTensorTooLarge(string detail, string? file = null, string? tensor = null, long? offset = null) =>
        Create(ShiraErrorCode.SafetensorsTensorTooLarge, "tensor too large", detail, file, tensor, offset);
}
