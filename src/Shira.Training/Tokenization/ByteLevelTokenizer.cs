using Shira.Training.Data;

namespace Shira.Training.Tokenization;

/// <summary>The tiny built-in model's tokenizer: UTF-8 bytes plus four specials (<see cref="ByteTokenizer"/>).
/// Examples read <c>BOS prompt SEP completion EOS</c>.</summary>
public sealed class ByteLevelTokenizer : TextTokenizer
{
    /// <summary>The one instance (the tokenizer has no state).</summary>
    public static ByteLevelTokenizer Instance { get; } = new();

    private ByteLevelTokenizer() { }

    /// <inheritdoc />
    public override string Kind => "byte-level";
    /// <inheritdoc />
    public override int VocabSize => ByteTokenizer.VocabSize;
    /// <inheritdoc />
    public override int? BosId => ByteTokenizer.Bos;
    /// <inheritdoc />
    public override int? EosId => ByteTokenizer.Eos;
    /// <inheritdoc />
    public override int PadId => ByteTokenizer.Pad;

    /// <inheritdoc />
    public override int[] Encode(string text) => ByteTokenizer.Encode(text);

    /// <inheritdoc />
    public override string Decode(IReadOnlyList<int> ids)
    {
        ArgumentNullException.ThrowIfNull(ids);
        var a = new int[ids.Count];
        for (int i = 0; i < a.Length; i++) a[i] = ids[i];
        return ByteTokenizer.Decode(a);
    }

    /// <inheritdoc />
    public override (int[] Ids, int CompletionStart) EncodeExample(string prompt, string completion) =>
        ByteTokenizer.EncodeExample(prompt, completion);
}
