namespace Shira.Format;

// Factories for conversion: PEFT adapters and diffs (5xxx): one per code, the lead phrase of each message fixed here.
public static partial class ShiraErrors
{
    /// <summary><see cref="ShiraErrorCode.PeftMissingFiles"/>: The PEFT adapter folder lacks adapter_config.json or
    /// adapter weights, or uses pickle (.bin) weights. Message: <c>PEFT adapter files missing: detail</c>.</summary>
    /// <param name="detail">What exactly is wrong at this site.</param>
    /// <param name="file">The file concerned, if known.</param>
    /// <param name="tensor">The tensor concerned, if any.</param>
    /// <param name="offset">The byte offset in <paramref name="file"/>, if known.</param>
    public static ShiraException PeftMissingFiles(string detail, string? file = null, string? tensor = null, long? offset = null) =>
        Create(ShiraErrorCode.PeftMissingFiles, "PEFT adapter files missing", detail, file, tensor, offset);

    /// <summary><see cref="ShiraErrorCode.PeftBadConfig"/>: adapter_config.json is malformed. Message: <c>bad PEFT
    /// adapter_config.json: detail</c>.</summary>
    /// <param name="detail">What exactly is wrong at this site.</param>
    /// <param name="file">The file concerned, if known.</param>
    /// <param name="tensor">The tensor concerned, if any.</param>
    /// <param name="offset">The byte offset in <paramref name="file"/>, if known.</param>
    public static ShiraException PeftBadConfig(string detail, string? file = null, string? tensor = null, long? offset = null) =>
        Create(ShiraErrorCode.PeftBadConfig, "bad PEFT adapter_config.json", detail, file, tensor, offset);

    /// <summary><see cref="ShiraErrorCode.PeftUnsupported"/>: The PEFT type or a config feature is not supported (and
    /// converting would give a wrong adapter). Message: <c>unsupported PEFT adapter: detail</c>.</summary>
    /// <param name="detail">What exactly is wrong at this site.</param>
    /// <param name="file">The file concerned, if known.</param>
    /// <param name="tensor">The tensor concerned, if any.</param>
    /// <param name="offset">The byte offset in <paramref name="file"/>, if known.</param>
    public static ShiraException PeftUnsupported(string detail, string? file = null, string? tensor = null, long? offset = null) =>
        Create(ShiraErrorCode.PeftUnsupported, "unsupported PEFT adapter", detail, file, tensor, offset);

    /// <summary><see cref="ShiraErrorCode.PeftBadTensors"/>: Adapter tensors are inconsistent (missing A/B pair, rank
    /// mismatch, bad index tensor). Message: <c>inconsistent PEFT adapter tensors: detail</c>.</summary>
    /// <param name="detail">What exactly is wrong at this site.</param>
    /// <param name="file">The file concerned, if known.</param>
    /// <param name="tensor">The tensor concerned, if any.</param>
    /// <param name="offset">The byte offset in <paramref name="file"/>, if known.</param>
    public static ShiraException PeftBadTensors(string detail, string? file = null, string? tensor = null, long? offset = null) =>
        Create(ShiraErrorCode.PeftBadTensors, "inconsistent PEFT adapter tensors", detail, file, tensor, offset);

    /// <summary><see cref="ShiraErrorCode.BaseRequired"/>: The operation needs the base weights (DoRA, budget by shape,
    /// diffs) but none were given. Message: <c>base weights required: detail</c>.</summary>
    /// <param name="detail">What exactly is wrong at this site.</param>
    /// <param name="file">The file concerned, if known.</param>
    /// <param name="tensor">The tensor concerned, if any.</param>
    /// <param name="offset">The byte offset in <paramref name="file"/>, if known.</param>
    public static ShiraException BaseRequired(string detail, string? file = null, string? tensor = null, long? offset = null) =>
        Create(ShiraErrorCode.BaseRequired, "base weights required", detail, file, tensor, offset);

    /// <summary><see cref="ShiraErrorCode.DiffMismatch"/>: Two checkpoints to diff do not have the same tensors, shapes
    /// or dtypes. Message: <c>checkpoints do not match: detail</c>.</summary>
    /// <param name="detail">What exactly is wrong at this site.</param>
    /// <param name="file">The file concerned, if known.</param>
    /// <param name="tensor">The tensor concerned, if any.</param>
    /// <param name="offset">The byte offset in <paramref name="file"/>, if known.</param>
    public static ShiraException DiffMismatch(string detail, string? file = null, string? tensor = null, long? offset = null) =>
        Create(ShiraErrorCode.DiffMismatch, "checkpoints do not match", detail, file, tensor, offset);

    /// <summary><see cref="ShiraErrorCode.PeftBaseMismatch"/>: A copy of a base tensor saved with a PEFT adapter (an
    /// embedding's base_layer) differs from the given /// base: another shape (a resized vocabulary) or other values
    /// (another base or revision). Message: <c>PEFT base tensor differs from the base: detail</c>.</summary>
    /// <param name="detail">What exactly is wrong at this site.</param>
    /// <param name="file">The file concerned, if known.</param>
    /// <param name="tensor">The tensor concerned, if any.</param>
    /// <param name="offset">The byte offset in <paramref name="file"/>, if known.</param>
    public static ShiraException PeftBaseMismatch(string detail, string? file = null, string? tensor = null, long? offset = null) =>
        Create(ShiraErrorCode.PeftBaseMismatch, "PEFT base tensor differs from the base", detail, file, tensor, offset);
}
