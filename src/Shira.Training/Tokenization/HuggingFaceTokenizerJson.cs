using System.Text.Json;
using System.Text.RegularExpressions;
using Microsoft.ML.Tokenizers;
using Shira.Format;

namespace Shira.Training.Tokenization;

/// <summary>
/// Reads a Hugging Face <c>tokenizer.json</c> with a BPE model and builds the equivalent
/// <see cref="BpeTokenizer"/>: <c>model.vocab</c>, <c>model.merges</c> (either <c>"a b"</c> strings or
/// <c>["a", "b"]</c> pairs), <c>added_tokens</c> as special tokens, a <c>ByteLevel</c> pre-tokenizer (with GPT-2's
/// split pattern when <c>use_regex</c>) or a <c>Split</c> regex followed by <c>ByteLevel</c> (LLaMA-3, Qwen2), and
/// no normalizer or NFC. BOS comes from the post-processor's template (or <c>tokenizer_config.json</c>'s
/// <c>add_bos_token</c>), EOS from <c>tokenizer_config.json</c>, <c>generation_config.json</c> or
/// <c>config.json</c>. Everything else is refused: building a tokenizer that splits text differently from the one
/// the model was trained with would silently ruin training.
/// </summary>
public static class HuggingFaceTokenizerJson
{
    /// <summary>GPT-2's pre-tokenizer pattern (ByteLevel with <c>use_regex: true</c>).</summary>
    public const string Gpt2Pattern = @"'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+";

    /// <summary>Loads <paramref name="path"/>; the sibling <c>tokenizer_config.json</c>, <c>generation_config.json</c>
    /// and <c>config.json</c>, when present, name BOS and EOS.</summary>
    public static TextTokenizer Load(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        string text;
        try { text = File.ReadAllText(path); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException) { throw ShiraErrors.IoError(path, e.Message, e); }
        var dir = Path.GetDirectoryName(Path.GetFullPath(path)) ?? ".";
        return Parse(text, path, name => ReadSibling(dir, name));
    }

    /// <summary>Builds the tokenizer from <c>tokenizer.json</c> text; <paramref name="sibling"/> returns the text of a
    /// sibling file by name, or null.</summary>
    public static TextTokenizer Parse(string json, string source, Func<string, string?>? sibling = null)
    {
        ArgumentNullException.ThrowIfNull(json);
        JsonDocument doc;
        try { doc = JsonDocument.Parse(json, new JsonDocumentOptions { MaxDepth = 64 }); }
        catch (JsonException e) { throw Malformed(source, "not valid JSON: " + e.Message); }
        using (doc)
        {
            var root = doc.RootElement;
            if (root.ValueKind != JsonValueKind.Object) throw Malformed(source, "the root is not a JSON object");
            if (!root.TryGetProperty("model", out var model) || model.ValueKind != JsonValueKind.Object)
                throw Malformed(source, "no 'model' object");
            string type = model.TryGetProperty("type", out var t) && t.ValueKind == JsonValueKind.String ? t.GetString()! : "";
            if (type.Length == 0 && model.TryGetProperty("merges", out _)) type = "BPE"; // older files omit the type
            if (type != "BPE")
                throw Unsupported(source, $"model type '{type}' (only BPE tokenizer.json files are supported; a SentencePiece tokenizer.model also works)");
            if (model.TryGetProperty("dropout", out var dropout) && dropout.ValueKind == JsonValueKind.Number && dropout.GetDouble() != 0)
                throw Unsupported(source, "BPE dropout (the tokenization would be random)");
            foreach (var name in (string[])["continuing_subword_prefix", "end_of_word_suffix"])
            {
                if (model.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.String && v.GetString()!.Length > 0)
                    throw Unsupported(source, $"BPE with a {name}");
            }

            var vocab = ReadVocabulary(model, source);
            var merges = ReadMerges(model, source);
            var (special, specialIds) = ReadAddedTokens(root, source);
            var (byteLevel, pattern) = ReadPreTokenizer(root, source);
            if (!byteLevel)
            {
                throw Unsupported(source,
                    "a BPE tokenizer that is not byte-level (Metaspace/SentencePiece-style tokenizer.json); use the checkpoint's tokenizer.model");
            }
            var normalizer = ReadNormalizer(root, source);

            int vocabSize = 0;
            foreach (var (_, id) in vocab) vocabSize = Math.Max(vocabSize, id + 1);
            foreach (var (_, id) in special) vocabSize = Math.Max(vocabSize, id + 1);

            var config = sibling?.Invoke("tokenizer_config.json");
            var (bos, eos) = ReadBosEos(root, special, vocab, config, sibling, source);

            BpeTokenizer tokenizer;
            try
            {
                var options = new BpeOptions(vocab)
                {
                    Merges = merges,
                    SpecialTokens = special.Count > 0 ? special : null,
                    PreTokenizer = new RegexPreTokenizer(new Regex(pattern, RegexOptions.Compiled), special.Count > 0 ? special : null),
                    Normalizer = normalizer,
                    ByteLevel = true,
                };
                tokenizer = BpeTokenizer.Create(options);
            }
            catch (Exception e) when (e is ArgumentException or InvalidOperationException or FormatException)
            {
                throw Malformed(source, "the BPE vocabulary or merges are inconsistent: " + e.Message);
            }
            return new LibraryTokenizer(tokenizer, "tokenizer.json (byte-level BPE)", vocabSize, bos, eos, specialIds);
        }
    }

    private static Dictionary<string, int> ReadVocabulary(JsonElement model, string source)
    {
        if (!model.TryGetProperty("vocab", out var v) || v.ValueKind != JsonValueKind.Object)
            throw Malformed(source, "'model.vocab' is missing or not an object");
        var vocab = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var p in v.EnumerateObject())
        {
            if (p.Value.ValueKind != JsonValueKind.Number || !p.Value.TryGetInt32(out int id) || id < 0)
                throw Malformed(source, $"'model.vocab' entry '{p.Name}' is not a non-negative integer id");
            vocab[p.Name] = id;
        }
        if (vocab.Count == 0) throw Malformed(source, "'model.vocab' is empty");
        return vocab;
    }

    private static List<string> ReadMerges(JsonElement model, string source)
    {
        var merges = new List<string>();
        if (!model.TryGetProperty("merges", out var m) || m.ValueKind == JsonValueKind.Null) return merges;
        if (m.ValueKind != JsonValueKind.Array) throw Malformed(source, "'model.merges' is not an array");
        int i = 0;
        foreach (var e in m.EnumerateArray())
        {
            string? merge = e.ValueKind switch
            {
                JsonValueKind.String => e.GetString(),
                JsonValueKind.Array when e.GetArrayLength() == 2 && e[0].ValueKind == JsonValueKind.String && e[1].ValueKind == JsonValueKind.String
                    => e[0].GetString() + " " + e[1].GetString(),
                _ => null,
            };
            if (merge is null || merge.Split(' ').Length != 2)
                throw Malformed(source, $"'model.merges[{i}]' is not a pair of tokens");
            merges.Add(merge);
            i++;
        }
        return merges;
    }

    private static (Dictionary<string, int> Special, List<int> Ids) ReadAddedTokens(JsonElement root, string source)
    {
        var special = new Dictionary<string, int>(StringComparer.Ordinal);
        var ids = new List<int>();
        if (!root.TryGetProperty("added_tokens", out var added) || added.ValueKind == JsonValueKind.Null) return (special, ids);
        if (added.ValueKind != JsonValueKind.Array) throw Malformed(source, "'added_tokens' is not an array");
        foreach (var a in added.EnumerateArray())
        {
            if (a.ValueKind != JsonValueKind.Object
                || !a.TryGetProperty("id", out var id) || !id.TryGetInt32(out int value) || value < 0
                || !a.TryGetProperty("content", out var content) || content.ValueKind != JsonValueKind.String)
            {
                throw Malformed(source, "an 'added_tokens' entry lacks an integer 'id' or a string 'content'");
            }
            special[content.GetString()!] = value;
            if (a.TryGetProperty("special", out var s) && s.ValueKind == JsonValueKind.True) ids.Add(value);
        }
        return (special, ids);
    }

    // (byte-level?, split pattern)
    private static (bool ByteLevel, string Pattern) ReadPreTokenizer(JsonElement root, string source)
    {
        if (!root.TryGetProperty("pre_tokenizer", out var pre) || pre.ValueKind == JsonValueKind.Null) return (false, "");
        var steps = new List<JsonElement>();
        if (TypeOf(pre) == "Sequence")
        {
            if (!pre.TryGetProperty("pretokenizers", out var list) || list.ValueKind != JsonValueKind.Array)
                throw Malformed(source, "a Sequence pre-tokenizer without 'pretokenizers'");
            foreach (var p in list.EnumerateArray()) steps.Add(p);
        }
        else
        {
            steps.Add(pre);
        }
        bool byteLevel = false;
        string? pattern = null;
        foreach (var step in steps)
        {
            switch (TypeOf(step))
            {
                case "ByteLevel":
                    if (byteLevel) throw Unsupported(source, "two ByteLevel pre-tokenizers");
                    byteLevel = true;
                    if (step.TryGetProperty("add_prefix_space", out var aps) && aps.ValueKind == JsonValueKind.True)
                        throw Unsupported(source, "a ByteLevel pre-tokenizer with add_prefix_space");
                    bool useRegex = !step.TryGetProperty("use_regex", out var ur) || ur.ValueKind != JsonValueKind.False;
                    if (useRegex)
                    {
                        if (pattern is not null) throw Unsupported(source, "a Split regex followed by a ByteLevel pre-tokenizer that splits again");
                        pattern = Gpt2Pattern;
                    }
                    break;
                case "Split":
                    if (pattern is not null || byteLevel) throw Unsupported(source, "more than one splitting pre-tokenizer");
                    if (!step.TryGetProperty("pattern", out var pat) || pat.ValueKind != JsonValueKind.Object
                        || !pat.TryGetProperty("Regex", out var regex) || regex.ValueKind != JsonValueKind.String)
                    {
                        throw Unsupported(source, "a Split pre-tokenizer without a 'Regex' pattern");
                    }
                    string behavior = step.TryGetProperty("behavior", out var b) && b.ValueKind == JsonValueKind.String ? b.GetString()! : "";
                    bool invert = step.TryGetProperty("invert", out var inv) && inv.ValueKind == JsonValueKind.True;
                    if (behavior != "Isolated" || invert)
                        throw Unsupported(source, $"a Split pre-tokenizer with behavior '{behavior}'{(invert ? " inverted" : "")} (only Isolated)");
                    pattern = regex.GetString()!;
                    try { _ = new Regex(pattern); }
                    catch (ArgumentException e) { throw Unsupported(source, "a Split regex .NET cannot compile: " + e.Message); }
                    break;
                default:
                    throw Unsupported(source, $"pre-tokenizer '{TypeOf(step)}'");
            }
        }
        // ByteLevel with use_regex false and no Split: the whole text is one piece.
        return (byteLevel, pattern ?? @"[\s\S]+");
    }

    private static Normalizer? ReadNormalizer(JsonElement root, string source)
    {
        if (!root.TryGetProperty("normalizer", out var n) || n.ValueKind == JsonValueKind.Null) return null;
        return TypeOf(n) switch
        {
            "NFC" => new NfcNormalizer(),
            "Sequence" when n.TryGetProperty("normalizers", out var list) && list.ValueKind == JsonValueKind.Array && list.GetArrayLength() == 0 => null,
            var other => throw Unsupported(source, $"normalizer '{other}' (only none or NFC)"),
        };
    }

    private static (int? Bos, int? Eos) ReadBosEos(JsonElement root, Dictionary<string, int> special, Dictionary<string, int> vocab,
        string? tokenizerConfig, Func<string, string?>? sibling, string source)
    {
        int? Lookup(string? token) =>
            token is null ? null : special.TryGetValue(token, out int id) ? id : vocab.TryGetValue(token, out id) ? id : null;

        int? bos = null, eos = null;
        // The post-processor's single-sequence template: a special token before $A is a BOS every encoding gets.
        if (root.TryGetProperty("post_processor", out var post) && post.ValueKind == JsonValueKind.Object)
        {
            foreach (var tp in Processors(post))
            {
                if (!tp.TryGetProperty("single", out var single) || single.ValueKind != JsonValueKind.Array) continue;
                foreach (var piece in single.EnumerateArray())
                {
                    if (piece.TryGetProperty("Sequence", out _)) break;
                    if (piece.TryGetProperty("SpecialToken", out var st) && st.TryGetProperty("id", out var sid) && sid.ValueKind == JsonValueKind.String)
                        bos = Lookup(sid.GetString()) ?? throw Malformed(source, $"the post-processor names an unknown token '{sid.GetString()}'");
                }
            }
        }
        JsonElement config = default;
        bool hasConfig = false;
        if (tokenizerConfig is not null)
        {
            try
            {
                using var d = JsonDocument.Parse(tokenizerConfig);
                config = d.RootElement.Clone();
                hasConfig = config.ValueKind == JsonValueKind.Object;
            }
            catch (JsonException e) { throw Malformed(source, "tokenizer_config.json beside it is not valid JSON: " + e.Message); }
        }
        if (hasConfig)
        {
            if (bos is null && config.TryGetProperty("add_bos_token", out var add) && add.ValueKind == JsonValueKind.True)
                bos = Lookup(TokenText(config, "bos_token"));
            eos = Lookup(TokenText(config, "eos_token"));
        }
        eos ??= EosFromModelConfig(sibling?.Invoke("generation_config.json")) ?? EosFromModelConfig(sibling?.Invoke("config.json"));
        eos ??= Lookup("<|endoftext|>");
        return (bos, eos);
    }

    private static IEnumerable<JsonElement> Processors(JsonElement post)
    {
        if (TypeOf(post) == "TemplateProcessing") yield return post;
        else if (TypeOf(post) == "Sequence" && post.TryGetProperty("processors", out var list) && list.ValueKind == JsonValueKind.Array)
            foreach (var p in list.EnumerateArray())
                if (TypeOf(p) == "TemplateProcessing") yield return p;
    }

    private static string? TokenText(JsonElement config, string key)
    {
        if (!config.TryGetProperty(key, out var v)) return null;
        if (v.ValueKind == JsonValueKind.String) return v.GetString();
        if (v.ValueKind == JsonValueKind.Object && v.TryGetProperty("content", out var c) && c.ValueKind == JsonValueKind.String) return c.GetString();
        return null;
    }

    private static int? EosFromModelConfig(string? json)
    {
        if (json is null) return null;
        try
        {
            using var d = JsonDocument.Parse(json);
            if (d.RootElement.ValueKind != JsonValueKind.Object || !d.RootElement.TryGetProperty("eos_token_id", out var e)) return null;
            if (e.ValueKind == JsonValueKind.Number && e.TryGetInt32(out int id) && id >= 0) return id;
            if (e.ValueKind == JsonValueKind.Array && e.GetArrayLength() > 0 && e[0].TryGetInt32(out id) && id >= 0) return id;
            return null;
        }
        catch (JsonException)
        {
            return null; // config.json errors are reported by the model loader, which reads it too
        }
    }

    private static string TypeOf(JsonElement e) =>
        e.ValueKind == JsonValueKind.Object && e.TryGetProperty("type", out var t) && t.ValueKind == JsonValueKind.String ? t.GetString()! : "";

    private static string? ReadSibling(string dir, string name)
    {
        var p = Path.Combine(dir, name);
        if (!File.Exists(p)) return null;
        try { return File.ReadAllText(p); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException) { throw ShiraErrors.IoError(p, e.Message, e); }
    }

    private static ShiraException Malformed(string source, string reason) =>
        ShiraErrors.TokenizerMalformed("tokenizer.json: " + reason, source);

    private static ShiraException Unsupported(string source, string reason) =>
        ShiraErrors.TokenizerUnsupported("tokenizer.json: unsupported " + reason, source);
}
