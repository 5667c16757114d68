namespace Shira.Format;

// Factories for training, data, tokenizers and checkpoints (7xxx): one per code, the lead phrase of each message fixed here.
public static partial class ShiraErrors
{
    /// <summary><see cref="ShiraErrorCode.TrainingDiverged"/>: Training diverged: the loss became NaN or infinite
    /// (lower the learning rate). Message: <c>training diverged: detail</c>.</summary>
    /// <param name="detail">What exactly is wrong at this site.</param>
    /// <param name="file">The file concerned, if known.</param>
    /// <param name="tensor">The tensor concerned, if any.</param>
    /// <param name="offset">The byte offset in <paramref name="file"/>, if known.</param>
    public static ShiraException TrainingDiverged(string detail, string? file = null, string? tensor = null, long? offset = null) =>
        Create(ShiraErrorCode.TrainingDiverged, "training diverged", detail, file, tensor, offset);

    /// <summary><see cref="ShiraErrorCode.TokenizerUnsupported"/>: The tokenizer file is of a kind the tools cannot use
    /// (model type, pre-tokenizer, normalizer). Message: <c>unsupported tokenizer: detail</c>.</summary>
    /// <param name="detail">What exactly is wrong at this site.</param>
    /// <param name="file">The file concerned, if known.</param>
    /// <param name="tensor">The tensor concerned, if any.</param>
    /// <param name="offset">The byte offset in <paramref name="file"/>, if known.</param>
    public static ShiraException TokenizerUnsupported(string detail, string? file = null, string? tensor = null, long? offset = null) =>
        Create(ShiraErrorCode.TokenizerUnsupported, "unsupported tokenizer", detail, file, tensor, offset);

    /// <summary><see cref="ShiraErrorCode.TokenizerMalformed"/>: The tokenizer file is malformed (bad JSON, a missing
    /// vocabulary, an unreadable SentencePiece model). Message: <c>malformed tokenizer: detail</c>.</summary>
    /// <param name="detail">What exactly is wrong at this site.</param>
    /// <param name="file">The file concerned, if known.</param>
    /// <param name="tensor">The tensor concerned, if any.</param>
    /// <param name="offset">The byte offset in <paramref name="file"/>, if known.</param>
    public static ShiraException TokenizerMalformed(string detail, string? file = null, string? tensor = null, long? offset = null) =>
        Create(ShiraErrorCode.TokenizerMalformed, "malformed tokenizer", detail, file, tensor, offset);

    /// <summary><see cref="ShiraErrorCode.ModelConfigUnsupported"/>: The checkpoint's config.json asks for something
    /// the model code does not implement. Message: <c>unsupported model config: detail</c>.</summary>
    /// <param name="detail">What exactly is wrong at this site.</param>
    /// <param name="file">The file concerned, if known.</param>
    /// <param name="tensor">The tensor concerned, if any.</param>
    /// <param name="offset">The byte offset in <paramref name="file"/>, if known.</param>
    public static ShiraException ModelConfigUnsupported(string detail, string? file = null, string? tensor = null, long? offset = null) =>
        Create(ShiraErrorCode.ModelConfigUnsupported, "unsupported model config", detail, file, tensor, offset);

    /// <summary><see cref="ShiraErrorCode.ModelConfigMalformed"/>: The checkpoint's config.json is malformed (bad JSON,
    /// a field of the wrong type, inconsistent sizes). Message: <c>malformed model config: detail</c>.</summary>
    /// <param name="detail">What exactly is wrong at this site.</param>
    /// <param name="file">The file concerned, if known.</param>
    /// <param name="tensor">The tensor concerned, if any.</param>
    /// <param name="offset">The byte offset in <paramref name="file"/>, if known.</param>
    public static ShiraException ModelConfigMalformed(string detail, string? file = null, string? tensor = null, long? offset = null) =>
        Create(ShiraErrorCode.ModelConfigMalformed, "malformed model config", detail, file, tensor, offset);

    /// <summary><see cref="ShiraErrorCode.DataMalformed"/>: A line of a data file is malformed (bad JSON, missing or
    /// mistyped fields); the message names the line. Message: <c>malformed data: detail</c>.</summary>
    /// <param name="detail">What exactly is wrong at this site.</param>
    /// <param name="file">The file concerned, if known.</param>
    /// <param name="tensor">The tensor concerned, if any.</param>
    /// <param name="offset">The byte offset in <paramref name="file"/>, if known.</param>
    public static ShiraException DataMalformed(string detail, string? file = null, string? tensor = null, long? offset = null) =>
        Create(ShiraErrorCode.DataMalformed, "malformed data", detail, file, tensor, offset);

    /// <summary><see cref="ShiraErrorCode.DataNotText"/>: A data file is not UTF-8 text (binary content, a NUL byte,
    /// invalid UTF-8). Message: <c>data is not text: detail</c>.</summary>
    /// <param name="detail">What exactly is wrong at this site.</param>
    /// <param name="file">The file concerned, if known.</param>
    /// <param name="tensor">The tensor concerned, if any.</param>
    /// <param name="offset">The byte offset in <paramref name="file"/>, if known.</param>
    public static ShiraException DataNotText(string detail, string? file = null, string? tensor = null, long? offset = null) =>
        Create(ShiraErrorCode.DataNotText, "data is not text", detail, file, tensor, offset);

    /// <summary><see cref="ShiraErrorCode.DataEmpty"/>: A data file holds no usable example. Message: <c>no usable
    /// data: detail</c>.</summary>
    /// <param name="detail">What exactly is wrong at this site.</param>
    /// <param name="file">The file concerned, if known.</param>
    /// <param name="tensor">The tensor concerned, if any.</param>
    /// <param name="offset">The byte offset in <paramref name="file"/>, if known.</param>
    public static ShiraException DataEmpty(string detail, string? file = null, string? tensor = null, long? offset = null) =>
        Create(ShiraErrorCode.DataEmpty, "no usable data", detail, file, tensor, offset);

    /// <summary><see cref="ShiraErrorCode.TokenizerVocabularyMismatch"/>: The tokenizer produces token ids the model's
    /// vocabulary does not have. Message: <c>tokenizer and vocabulary do not match: detail</c>.</summary>
    /// <param name="detail">What exactly is wrong at this site.</param>
    /// <param name="file">The file concerned, if known.</param>
    /// <param name="tensor">The tensor concerned, if any.</param>
    /// <param name="offset">The byte offset in <paramref name="file"/>, if known.</param>
    public static ShiraException TokenizerVocabularyMismatch(string detail, string? file = null, string? tensor = null, long? offset = null) =>
        Create(ShiraErrorCode.TokenizerVocabularyMismatch, "tokenizer and vocabulary do not match", detail, file, tensor, offset);
}
