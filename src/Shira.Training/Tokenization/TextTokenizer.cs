namespace Shira.Training.Tokenization;

/// <summary>
/// Turns text into the token ids a base model was trained on and back. <see cref="ByteLevelTokenizer"/> serves the
/// tiny built-in model; <see cref="TokenizerLoader"/> builds the others from a checkpoint's own tokenizer files.
/// </summary>
public abstract class TextTokenizer
{
    /// <summary>What the tokenizer is, for reports (e.g. <c>byte-level</c>, <c>tokenizer.json (byte-level BPE)</c>).</summary>
    public abstract string Kind { get; }

    /// <summary>One more than the largest id the tokenizer can produce.</summary>
    public abstract int VocabSize { get; }

    /// <summary>The beginning-of-sequence id put in front of every example, or null when the model uses none.</summary>
    public abstract int? BosId { get; }

    /// <summary>The end-of-sequence id put after every example (and where generation stops), or null.</summary>
    public abstract int? EosId { get; }

    /// <summary>The id written into padding positions (never scored, never attended to by real positions).</summary>
    public virtual int PadId => EosId ?? 0;

    /// <summary>Encodes text without adding any special token.</summary>
    public abstract int[] Encode(string text);

    /// <summary>Decodes ids to text; special tokens are left out.</summary>
    public abstract string Decode(IReadOnlyList<int> ids);

    /// <summary>
    /// Encodes a prompt/completion pair as <c>[BOS] prompt completion [EOS]</c>; returns the ids and the index where
    /// the completion (the scored span, including EOS) starts. Prompt and completion are tokenized separately, so
    /// the boundary is exact.
    /// </summary>
    public virtual (int[] Ids, int CompletionStart) EncodeExample(string prompt, string completion)
    {
        ArgumentNullException.ThrowIfNull(prompt);
        ArgumentNullException.ThrowIfNull(completion);
        var p = Encode(prompt);
        var c = Encode(completion);
        int bos = BosId is null ? 0 : 1, eos = EosId is null ? 0 : 1;
        var ids = new int[bos + p.Length + c.Length + eos];
        if (BosId is int b) ids[0] = b;
        p.CopyTo(ids, bos);
        c.CopyTo(ids, bos + p.Length);
        if (EosId is int e) ids[^1] = e;
        return (ids, bos + p.Length);
    }

    /// <summary>Encodes a plain text as <c>[BOS] text [EOS]</c>; every token after the first is scored.</summary>
    public virtual int[] EncodeDocument(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var body = Encode(text);
        int bos = BosId is null ? 0 : 1, eos = EosId is null ? 0 : 1;
        var ids = new int[bos + body.Length + eos];
        if (BosId is int b) ids[0] = b;
        body.CopyTo(ids, bos);
        if (EosId is int e) ids[^1] = e;
        return ids;
    }

    /// <summary>The ids a generation starts from for <paramref name="prompt"/> (<c>[BOS] prompt</c>, and for the
    /// byte-level model its separator), so that the next token is the first of the completion.</summary>
    public virtual int[] EncodePrompt(string prompt)
    {
        var (ids, start) = EncodeExample(prompt, "");
        return ids[..start];
    }
}
