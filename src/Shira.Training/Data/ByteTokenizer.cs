using System.Text;

namespace Shira.Training.Data;

/// <summary>
/// Byte-level tokenizer: ids 0–255 are the UTF-8 bytes, followed by a few special tokens. Lossless for any text,
/// needs no vocabulary file, and keeps the embedding table tiny for the small models this project trains.
/// </summary>
public static class ByteTokenizer
{
    /// <summary>Padding (never a target).</summary>
    public const int Pad = 256;
    /// <summary>Beginning of a sequence.</summary>
    public const int Bos = 257;
    /// <summary>End of a sequence (the last token of every answer, so a model learns where to stop).</summary>
    public const int Eos = 258;
    /// <summary>Separates a prompt from its answer.</summary>
    public const int Sep = 259;
    /// <summary>Vocabulary size: 256 bytes and the four specials.</summary>
    public const int VocabSize = 260;

    /// <summary>Encodes text as its UTF-8 bytes.</summary>
    public static int[] Encode(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var bytes = Encoding.UTF8.GetBytes(text);
        var ids = new int[bytes.Length];
        for (int i = 0; i < bytes.Length; i++) ids[i] = bytes[i];
        return ids;
    }

    /// <summary>Decodes ids back to text; special tokens are dropped (invalid UTF-8 becomes U+FFFD).</summary>
    public static string Decode(ReadOnlySpan<int> ids)
    {
        var bytes = new List<byte>(ids.Length);
        foreach (var id in ids)
            if (id is >= 0 and < 256) bytes.Add((byte)id);
        return Encoding.UTF8.GetString(bytes.ToArray());
    }

    /// <summary>Encodes one example as <c>BOS prompt SEP answer EOS</c>; returns the ids and where the answer
    /// (including its EOS) starts.</summary>
    public static (int[] Ids, int AnswerStart) EncodeExample(string prompt, string answer)
    {
        var p = Encode(prompt);
        var a = Encode(answer);
        var ids = new int[p.Length + a.Length + 3];
        ids[0] = Bos;
        p.CopyTo(ids, 1);
        ids[p.Length + 1] = Sep;
        a.CopyTo(ids, p.Length + 2);
        ids[^1] = Eos;
        return (ids, p.Length + 2);
    }
}
