using Microsoft.ML.Tokenizers;
using Shira.Format;

namespace Shira.Training.Tokenization;

/// <summary>
/// Finds and builds a checkpoint's own tokenizer: Hugging Face <c>tokenizer.json</c> (BPE, byte-level BPE as GPT-2,
/// LLaMA-3, Qwen2 and SmolLM ship it) or SentencePiece <c>tokenizer.model</c> (LLaMA-2, Mistral). What the tools
/// cannot reproduce exactly is refused with <see cref="ShiraErrorCode.TokenizerUnsupported"/>, never approximated.
/// </summary>
public static class TokenizerLoader
{
    /// <summary>The Hugging Face tokenizer file name.</summary>
    public const string TokenizerJson = "tokenizer.json";
    /// <summary>The SentencePiece model file name.</summary>
    public const string SentencePieceModel = "tokenizer.model";

    /// <summary>
    /// The tokenizer for the checkpoint at <paramref name="checkpointPath"/> (a safetensors file or a folder):
    /// <c>tokenizer.json</c> beside it, else <c>tokenizer.model</c>; a <c>tokenizer.json</c> the tools cannot use
    /// falls back to a <c>tokenizer.model</c> when there is one. Null when the folder has neither (the byte-level
    /// tokenizer of the tiny model then applies).
    /// </summary>
    public static TextTokenizer? ForCheckpoint(string checkpointPath)
    {
        ArgumentNullException.ThrowIfNull(checkpointPath);
        var dir = Directory.Exists(checkpointPath) ? checkpointPath : Path.GetDirectoryName(Path.GetFullPath(checkpointPath)) ?? ".";
        var json = Path.Combine(dir, TokenizerJson);
        var model = Path.Combine(dir, SentencePieceModel);
        if (File.Exists(json))
        {
            try
            {
                return Load(json);
            }
            catch (ShiraException e) when (e.Code == ShiraErrorCode.TokenizerUnsupported && File.Exists(model))
            {
                return Load(model);
            }
        }
        return File.Exists(model) ? Load(model) : null;
    }

    /// <summary>
    /// Loads a tokenizer: <c>bytes</c> (or <c>byte-level</c>) for the built-in byte tokenizer, a folder (as
    /// <see cref="ForCheckpoint"/>, but it must hold one), a <c>*.json</c> Hugging Face tokenizer or a SentencePiece
    /// <c>*.model</c>.
    /// </summary>
    public static TextTokenizer Load(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        if (path is "bytes" or "byte-level") return ByteLevelTokenizer.Instance;
        if (Directory.Exists(path))
        {
            return ForCheckpoint(path) ?? throw ShiraErrors.IoError(path, $"the folder has neither {TokenizerJson} nor {SentencePieceModel}");
        }
        if (!File.Exists(path)) throw ShiraErrors.IoError(path, "the tokenizer file does not exist");
        return path.EndsWith(".json", StringComparison.OrdinalIgnoreCase)
            ? HuggingFaceTokenizerJson.Load(path)
            : LoadSentencePiece(path);
    }

    /// <summary>Loads a SentencePiece <c>tokenizer.model</c> (BPE or Unigram, with byte fallback when the model
    /// has it). BOS and EOS come from the model's trainer spec.</summary>
    public static TextTokenizer LoadSentencePiece(string path)
    {
        byte[] bytes;
        try { bytes = File.ReadAllBytes(path); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException) { throw ShiraErrors.IoError(path, e.Message, e); }
        SentencePieceTokenizer sp;
        try
        {
            using var stream = new MemoryStream(bytes, writable: false);
            sp = SentencePieceTokenizer.Create(stream, addBeginningOfSentence: false, addEndOfSentence: false);
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            // The library reports a bad model with many exception types (protobuf, InvalidData, Argument…).
            throw ShiraErrors.TokenizerMalformed("not a usable SentencePiece model: " + e.Message, path);
        }
        int vocab = 0;
        foreach (var (_, id) in sp.Vocabulary) vocab = Math.Max(vocab, id + 1);
        var special = new List<int>();
        if (sp.SpecialTokens is not null) foreach (var (_, id) in sp.SpecialTokens) special.Add(id);
        if (sp.UnknownId >= 0) special.Add(sp.UnknownId);
        int? bos = sp.BeginningOfSentenceId >= 0 ? sp.BeginningOfSentenceId : null;
        int? eos = sp.EndOfSentenceId >= 0 ? sp.EndOfSentenceId : null;
        return new LibraryTokenizer(sp, "tokenizer.model (SentencePiece)", vocab, bos, eos, special);
    }
}
