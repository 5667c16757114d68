namespace Shira.Format;

// Factories for the runtime: bases, journal, fusion (6xxx): one per code, the lead phrase of each message fixed here.
public static partial class ShiraErrors
{
    /// <summary><see cref="ShiraErrorCode.BaseTensorMissing"/>: An adapter's target tensor does not exist in the base.
    /// Message: <c>tensor missing from the base: detail</c>.</summary>
    /// <param name="detail">What exactly is wrong at this site.</param>
    /// <param name="file">The file concerned, if known.</param>
    /// <param name="tensor">The tensor concerned, if any.</param>
    /// <param name="offset">The byte offset in <paramref name="file"/>, if known.</param>
    public static ShiraException BaseTensorMissing(string detail, string? file = null, string? tensor = null, long? offset = null) =>
        Create(ShiraErrorCode.BaseTensorMissing, "tensor missing from the base", detail, file, tensor, offset);

    /// <summary><see cref="ShiraErrorCode.BaseShapeMismatch"/>: An adapter's target tensor has another shape in the
    /// base. Message: <c>base shape mismatch: detail</c>.</summary>
    /// <param name="detail">What exactly is wrong at this site.</param>
    /// <param name="file">The file concerned, if known.</param>
    /// <param name="tensor">The tensor concerned, if any.</param>
    /// <param name="offset">The byte offset in <paramref name="file"/>, if known.</param>
    public static ShiraException BaseShapeMismatch(string detail, string? file = null, string? tensor = null, long? offset = null) =>
        Create(ShiraErrorCode.BaseShapeMismatch, "base shape mismatch", detail, file, tensor, offset);

    /// <summary><see cref="ShiraErrorCode.BaseDTypeMismatch"/>: An adapter's target tensor has another dtype in the
    /// base, or the base dtype is not f32/f16/bf16. Message: <c>base dtype mismatch: detail</c>.</summary>
    /// <param name="detail">What exactly is wrong at this site.</param>
    /// <param name="file">The file concerned, if known.</param>
    /// <param name="tensor">The tensor concerned, if any.</param>
    /// <param name="offset">The byte offset in <paramref name="file"/>, if known.</param>
    public static ShiraException BaseDTypeMismatch(string detail, string? file = null, string? tensor = null, long? offset = null) =>
        Create(ShiraErrorCode.BaseDTypeMismatch, "base dtype mismatch", detail, file, tensor, offset);

    /// <summary><see cref="ShiraErrorCode.BaseFingerprintMismatch"/>: The base content does not match the fingerprint
    /// recorded in the adapter. Message: <c>base fingerprint mismatch: detail</c>.</summary>
    /// <param name="detail">What exactly is wrong at this site.</param>
    /// <param name="file">The file concerned, if known.</param>
    /// <param name="tensor">The tensor concerned, if any.</param>
    /// <param name="offset">The byte offset in <paramref name="file"/>, if known.</param>
    public static ShiraException BaseFingerprintMismatch(string detail, string? file = null, string? tensor = null, long? offset = null) =>
        Create(ShiraErrorCode.BaseFingerprintMismatch, "base fingerprint mismatch", detail, file, tensor, offset);

    /// <summary><see cref="ShiraErrorCode.JournalCorrupt"/>: The in-place journal is corrupt, or belongs to another
    /// base. Message: <c>corrupt journal: detail</c>.</summary>
    /// <param name="detail">What exactly is wrong at this site.</param>
    /// <param name="file">The file concerned, if known.</param>
    /// <param name="tensor">The tensor concerned, if any.</param>
    /// <param name="offset">The byte offset in <paramref name="file"/>, if known.</param>
    public static ShiraException JournalCorrupt(string detail, string? file = null, string? tensor = null, long? offset = null) =>
        Create(ShiraErrorCode.JournalCorrupt, "corrupt journal", detail, file, tensor, offset);

    /// <summary><see cref="ShiraErrorCode.RecoveryNeeded"/>: A journal from an interrupted in-place operation exists;
    /// run `shira recover` first. Message: <c>recovery needed: detail</c>.</summary>
    /// <param name="detail">What exactly is wrong at this site.</param>
    /// <param name="file">The file concerned, if known.</param>
    /// <param name="tensor">The tensor concerned, if any.</param>
    /// <param name="offset">The byte offset in <paramref name="file"/>, if known.</param>
    public static ShiraException RecoveryNeeded(string detail, string? file = null, string? tensor = null, long? offset = null) =>
        Create(ShiraErrorCode.RecoveryNeeded, "recovery needed", detail, file, tensor, offset);

    /// <summary><see cref="ShiraErrorCode.NotApplied"/>: Nothing to revert, or the adapter to switch from is not the
    /// one applied. Message: <c>not applied: detail</c>.</summary>
    /// <param name="detail">What exactly is wrong at this site.</param>
    /// <param name="file">The file concerned, if known.</param>
    /// <param name="tensor">The tensor concerned, if any.</param>
    /// <param name="offset">The byte offset in <paramref name="file"/>, if known.</param>
    public static ShiraException NotApplied(string detail, string? file = null, string? tensor = null, long? offset = null) =>
        Create(ShiraErrorCode.NotApplied, "not applied", detail, file, tensor, offset);

    /// <summary><see cref="ShiraErrorCode.FuseConflict"/>: Fused adapters disagree on a target tensor (shape, dtype,
    /// semantics). Message: <c>fuse conflict: detail</c>.</summary>
    /// <param name="detail">What exactly is wrong at this site.</param>
    /// <param name="file">The file concerned, if known.</param>
    /// <param name="tensor">The tensor concerned, if any.</param>
    /// <param name="offset">The byte offset in <paramref name="file"/>, if known.</param>
    public static ShiraException FuseConflict(string detail, string? file = null, string? tensor = null, long? offset = null) =>
        Create(ShiraErrorCode.FuseConflict, "fuse conflict", detail, file, tensor, offset);

    /// <summary><see cref="ShiraErrorCode.BaseLocked"/>: Another process holds the base's in-place lock (an in-place
    /// apply, revert, switch or recover is /// running, or a reader has the base open while an in-place writer asks for
    /// it); the message names its pid. Message: <c>base locked: detail</c>.</summary>
    /// <param name="detail">What exactly is wrong at this site.</param>
    /// <param name="file">The file concerned, if known.</param>
    /// <param name="tensor">The tensor concerned, if any.</param>
    /// <param name="offset">The byte offset in <paramref name="file"/>, if known.</param>
    public static ShiraException BaseLocked(string detail, string? file = null, string? tensor = null, long? offset = null) =>
        Create(ShiraErrorCode.BaseLocked, "base locked", detail, file, tensor, offset);
}
