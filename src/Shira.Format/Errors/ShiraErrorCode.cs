namespace Shira.Format;

/// <summary>
/// Stable error codes. The numeric values and the <c>SHIRA-Ennnn</c> strings printed by the CLI are part of the
/// public contract (listed in spec/SPEC.md §Errors): never renumber, only add.
/// Ranges: 1xxx container layout, 2xxx manifest, 3xxx sections/indices/values, 4xxx safetensors,
/// 5xxx conversion (PEFT, diffs), 6xxx runtime (base mismatch, journal), 8xxx the C interface, 9xxx I/O and usage.
/// </summary>
public enum ShiraErrorCode
{
    /// <summary>No error.</summary>
    None = 0,

    // ---- 1xxx: container layout -------------------------------------------------------------
    /// <summary>The file is shorter than the smallest valid container (header + trailer).</summary>
    FileTooSmall = 1001,
    /// <summary>The leading magic bytes are not the .shira magic.</summary>
    BadMagic = 1002,
    /// <summary>The trailer magic, length or checksum is wrong.</summary>
    BadTrailer = 1003,
    /// <summary>The major format version is not one this reader understands.</summary>
    UnsupportedVersion = 1004,
    /// <summary>Reserved header/trailer flags or fields are not zero.</summary>
    ReservedNotZero = 1005,
    /// <summary>The file length recorded in the trailer differs from the real file length.</summary>
    LengthMismatch = 1006,
    /// <summary>Padding bytes between sections are not zero.</summary>
    NonZeroPadding = 1007,
    /// <summary>Bytes that no section, padding rule, manifest, header or trailer accounts for.</summary>
    UnaccountedBytes = 1008,
    /// <summary>The header, trailer and manifest disagree on the format version.</summary>
    VersionMismatch = 1009,

    // ---- 2xxx: manifest -------------------------------------------------------------------
    /// <summary>The manifest's offset or length is outside the file or overlaps other regions.</summary>
    ManifestOutOfBounds = 2001,
    /// <summary>The manifest's checksum does not match.</summary>
    ManifestChecksum = 2002,
    /// <summary>The manifest is not a valid protobuf message or exceeds the size/recursion limits.</summary>
    ManifestMalformed = 2003,
    /// <summary>The manifest is larger than the configured limit.</summary>
    ManifestTooLarge = 2004,
    /// <summary>A required manifest field is missing or has an invalid value (enum out of range, empty name…).</summary>
    ManifestInvalidField = 2005,
    /// <summary>Two tensor entries target the same tensor name.</summary>
    DuplicateTensor = 2006,
    /// <summary>A tensor's shape has a bad rank (not 1–4), a zero or negative dimension, or its product overflows.</summary>
    BadShape = 2007,
    /// <summary>A tensor or index set refers to a section or index set that does not exist or has the wrong kind.</summary>
    BadReference = 2008,
    /// <summary>Manifest entries are not in canonical order (sorted names, ascending sections).</summary>
    NotCanonical = 2009,
    /// <summary>Counts exceed configured limits (tensors, sections, metadata entries).</summary>
    LimitExceeded = 2010,

    // ---- 3xxx: sections, indices, values ---------------------------------------------------
    /// <summary>A section lies (partly) outside the data area of the file.</summary>
    SectionOutOfBounds = 3001,
    /// <summary>Two sections overlap, or a section is not 64-byte aligned.</summary>
    SectionOverlapOrMisaligned = 3002,
    /// <summary>A section's XXH3-64 checksum does not match its stored bytes.</summary>
    SectionChecksum = 3003,
    /// <summary>The codec is unknown, or LZ4 decoding failed or produced a length other than declared.</summary>
    CodecError = 3004,
    /// <summary>A declared decoded length is inconsistent with the tensor (nnz × element size, bounds).</summary>
    BadDecodedLength = 3005,
    /// <summary>nnz is larger than the tensor's element count.</summary>
    NnzExceedsNumel = 3006,
    /// <summary>An index is at or beyond the tensor's element count.</summary>
    IndexOutOfRange = 3007,
    /// <summary>Indices are not strictly increasing.</summary>
    IndexNotIncreasing = 3008,
    /// <summary>An index encoding's internal structure is broken (bad block header, skip table, bit width…).</summary>
    IndexEncodingCorrupt = 3009,
    /// <summary>Value dtype is not one of f32/f16/bf16, or the value section length is wrong.</summary>
    BadValues = 3010,
    /// <summary>A value is NaN or infinite (rejected by validation; writers refuse them too).</summary>
    NonFiniteValue = 3011,
    /// <summary>Structured-mask parameters are invalid (rows/columns out of range or unsorted, count mismatch).</summary>
    BadStructuredMask = 3012,

    // ---- 4xxx: safetensors -----------------------------------------------------------------
    /// <summary>The safetensors file is shorter than its 8-byte header length prefix.</summary>
    SafetensorsTooSmall = 4001,
    /// <summary>The declared header length exceeds the cap (100 MB) or the file.</summary>
    SafetensorsHeaderTooLarge = 4002,
    /// <summary>The header is not valid UTF-8 JSON, not an object, or has an unexpected structure.</summary>
    SafetensorsInvalidHeader = 4003,
    /// <summary>Unknown dtype string.</summary>
    SafetensorsUnknownDType = 4004,
    /// <summary>data_offsets are not ordered, not contiguous, outside the buffer, or do not cover it exactly.</summary>
    SafetensorsInvalidOffsets = 4005,
    /// <summary>The byte length does not equal shape product × dtype size, or the shape product overflows.</summary>
    SafetensorsLengthMismatch = 4006,
    /// <summary>A tensor name appears twice (in a file or across the shards of a checkpoint).</summary>
    SafetensorsDuplicateTensor = 4007,
    /// <summary>The dtype exists but this operation does not support it (e.g. sub-byte types).</summary>
    SafetensorsUnsupportedDType = 4008,
    /// <summary>A sharded-checkpoint index (model.safetensors.index.json) is malformed or points at missing tensors/files.</summary>
    SafetensorsBadIndex = 4009,
    /// <summary>The requested tensor does not exist.</summary>
    SafetensorsTensorNotFound = 4010,
    /// <summary>The tensor is too large for one span or array (over 2 GiB or 2^31 elements); read it in slices.</summary>
    SafetensorsTensorTooLarge = 4011,

    // ---- 5xxx: conversion ------------------------------------------------------------------
    /// <summary>The PEFT adapter folder lacks adapter_config.json or adapter weights, or uses pickle (.bin) weights.</summary>
    PeftMissingFiles = 5001,
    /// <summary>adapter_config.json is malformed.</summary>
    PeftBadConfig = 5002,
    /// <summary>The PEFT type or a config feature is not supported (and converting would give a wrong adapter).</summary>
    PeftUnsupported = 5003,
    /// <summary>Adapter tensors are inconsistent (missing A/B pair, rank mismatch, bad index tensor).</summary>
    PeftBadTensors = 5004,
    /// <summary>The operation needs the base weights (DoRA, budget by shape, diffs) but none were given.</summary>
    BaseRequired = 5005,
    /// <summary>Two checkpoints to diff do not have the same tensors, shapes or dtypes.</summary>
    DiffMismatch = 5006,
    /// <summary>A copy of a base tensor saved with a PEFT adapter (an embedding's base_layer) differs from the given
    /// base: another shape (a resized vocabulary) or other values (another base or revision).</summary>
    PeftBaseMismatch = 5007,

    // ---- 6xxx: runtime ----------------------------------------------------------------------
    /// <summary>An adapter's target tensor does not exist in the base.</summary>
    BaseTensorMissing = 6001,
    /// <summary>An adapter's target tensor has another shape in the base.</summary>
    BaseShapeMismatch = 6002,
    /// <summary>An adapter's target tensor has another dtype in the base, or the base dtype is not f32/f16/bf16.</summary>
    BaseDTypeMismatch = 6003,
    /// <summary>The base content does not match the fingerprint recorded in the adapter.</summary>
    BaseFingerprintMismatch = 6004,
    /// <summary>The in-place journal is corrupt, or belongs to another base.</summary>
    JournalCorrupt = 6005,
    /// <summary>A journal from an interrupted in-place operation exists; run `shira recover` first.</summary>
    RecoveryNeeded = 6006,
    /// <summary>Nothing to revert, or the adapter to switch from is not the one applied.</summary>
    NotApplied = 6007,
    /// <summary>Fused adapters disagree on a target tensor (shape, dtype, semantics).</summary>
    FuseConflict = 6008,

    // ---- 8xxx: the C interface (libshira) ----------------------------------------------------
    /// <summary>A caller buffer passed to libshira is smaller than the data; nothing was written.</summary>
    NativeBufferTooSmall = 8001,
    /// <summary>A libshira handle is NULL, unknown or already closed.</summary>
    NativeInvalidHandle = 8002,
    /// <summary>No tensor of that name, or a tensor index out of range (libshira).</summary>
    NativeNotFound = 8003,
    /// <summary>An unexpected error was caught at the libshira boundary (a bug; the process keeps running).</summary>
    NativeInternal = 8004,

    // ---- 9xxx: I/O and usage ------------------------------------------------------------------
    /// <summary>The file could not be opened, read or written.</summary>
    IoError = 9001,
    /// <summary>Bad command-line or API arguments.</summary>
    Usage = 9002,
    /// <summary>The output path already exists and overwriting was not asked for (<c>--force</c>).</summary>
    OutputExists = 9010,
}
