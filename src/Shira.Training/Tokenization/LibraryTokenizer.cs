using Microsoft.ML.Tokenizers;

namespace Shira.Training.Tokenization;

/// <summary>A <see cref="TextTokenizer"/> over a Microsoft.ML.Tokenizers tokenizer built from a checkpoint's files.</summary>
public sealed class LibraryTokenizer : TextTokenizer
{
    private readonly Tokenizer _tokenizer;
    private readonly HashSet<int> _special;

    internal LibraryTokenizer(Tokenizer tokenizer, string kind, int vocabSize, int? bos, int? eos, IEnumerable<int> specialIds)
    {
        _tokenizer = tokenizer;
        Kind = kind;
        VocabSize = vocabSize;
        BosId = bos;
        EosId = eos;
        _special = [.. specialIds];
        if (bos is int b) _special.Add(b);
        if (eos is int e) _special.Add(e);
    }

    /// <summary>The library tokenizer (for callers that need its full API).</summary>
    public Tokenizer Inner => _tokenizer;

    /// <inheritdoc />
    public override string Kind { get; }
    /// <inheritdoc />
    public override int VocabSize { get; }
    /// <inheritdoc />
    public override int? BosId { get; }
    /// <inheritdoc />
    public override int? EosId { get; }

    /// <inheritdoc />
    public override int[] Encode(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        if (text.Length == 0) return [];
        var ids = _tokenizer.EncodeToIds(text, considerPreTokenization: true, considerNormalization: true);
        var a = new int[ids.Count];
        for (int i = 0; i < a.Length; i++) a[i] = ids[i];
        return a;
    }

    /// <inheritdoc />
    public override string Decode(IReadOnlyList<int> ids)
    {
        ArgumentNullException.ThrowIfNull(ids);
        var kept = new List<int>(ids.Count);
        foreach (var id in ids)
            if (!_special.Contains(id)) kept.Add(id);
        return _tokenizer.Decode(kept);
    }
}
