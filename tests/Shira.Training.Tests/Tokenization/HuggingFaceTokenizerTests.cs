using Shira.Format;
using Shira.Testing;
using Shira.Training.Tokenization;

namespace Shira.Training.Tests.Tokenization;

public sealed class HuggingFaceTokenizerTests
{
    private static readonly Lazy<TextTokenizer> Gpt2 = new(() => HuggingFaceTokenizerJson.Parse(Gpt2TokenizerJson.Text, "gpt2/tokenizer.json"));

    [Theory]
    [InlineData("Hello world", new[] { 15496, 995 })]
    [InlineData("The quick brown fox", new[] { 464, 2068, 7586, 21831 })]
    [InlineData(" the", new[] { 262 })]
    public void Gpt2_package_vocabulary_gives_the_known_ids(string text, int[] expected)
    {
        // The package's own tokenizer (tiktoken) and ours built from tokenizer.json must both give GPT-2's ids.
        Assert.Equal(expected, Gpt2TokenizerJson.Tiktoken.EncodeToIds(text).ToArray());
        Assert.Equal(expected, Gpt2.Value.Encode(text));
    }

    [Theory]
    [InlineData("Hello world! It's 2024, and we're testing   spaces\tand\nnewlines.")]
    [InlineData("naïve café — 東京 🚀 ünïcödé")]
    [InlineData("x=3.14159; y=[1,2,3]; print(f'{x:>10}')")]
    [InlineData("   leading and trailing   ")]
    [InlineData("I'll they've we'd 'quoted' don't")]
    public void Tokenizer_json_encodes_exactly_as_the_reference_tokenizer(string text)
    {
        var reference = Gpt2TokenizerJson.Tiktoken.EncodeToIds(text).ToArray();
        var ours = Gpt2.Value.Encode(text);
        Assert.Equal(reference, ours);
        Assert.Equal(text, Gpt2.Value.Decode(ours));
    }

    [Fact]
    public void Added_tokens_are_special_and_end_of_text_is_eos()
    {
        var tok = Gpt2.Value;
        Assert.Equal(50257, tok.VocabSize);
        Assert.Equal(Gpt2TokenizerJson.EndOfText, tok.EosId);
        Assert.Null(tok.BosId); // GPT-2 adds no BOS
        Assert.Equal([15496, Gpt2TokenizerJson.EndOfText], tok.Encode("Hello<|endoftext|>"));
        var (ids, start) = tok.EncodeExample("Hello", " world");
        Assert.Equal([15496, 995, Gpt2TokenizerJson.EndOfText], ids);
        Assert.Equal(1, start);
        Assert.Equal("Hello world", tok.Decode(ids));
    }

    [Fact]
    public void Post_processor_template_gives_bos_and_tokenizer_config_gives_eos()
    {
        var json = System.Text.Json.Nodes.JsonNode.Parse(SmallByteLevel())!;
        json["added_tokens"] = new System.Text.Json.Nodes.JsonArray(
            new System.Text.Json.Nodes.JsonObject { ["id"] = 10, ["content"] = "<|begin|>", ["special"] = true },
            new System.Text.Json.Nodes.JsonObject { ["id"] = 11, ["content"] = "<|end|>", ["special"] = true });
        json["post_processor"] = System.Text.Json.Nodes.JsonNode.Parse("""
            {"type":"Sequence","processors":[{"type":"ByteLevel"},{"type":"TemplateProcessing",
             "single":[{"SpecialToken":{"id":"<|begin|>","type_id":0}},{"Sequence":{"id":"A","type_id":0}}]}]}
            """);
        var tok = HuggingFaceTokenizerJson.Parse(json.ToJsonString(), "t.json",
            name => name == "tokenizer_config.json" ? """{"eos_token": {"content": "<|end|>"}}""" : null);
        Assert.Equal(10, tok.BosId);
        Assert.Equal(11, tok.EosId);
        Assert.Equal(12, tok.VocabSize);
        Assert.Equal([10, 3, 11], tok.EncodeDocument("ab"));
        Assert.Equal([10, 0, 2, 11], tok.EncodeDocument("ac"));
    }

    [Fact]
    public void Split_regex_then_byte_level_is_the_llama3_layout()
    {
        var json = System.Text.Json.Nodes.JsonNode.Parse(SmallByteLevel())!;
        // Split every character apart: merges can then never apply across characters.
        json["pre_tokenizer"] = System.Text.Json.Nodes.JsonNode.Parse("""
            {"type":"Sequence","pretokenizers":[
              {"type":"Split","pattern":{"Regex":"."},"behavior":"Isolated","invert":false},
              {"type":"ByteLevel","add_prefix_space":false,"trim_offsets":true,"use_regex":false}]}
            """);
        var split = HuggingFaceTokenizerJson.Parse(json.ToJsonString(), "t.json");
        var whole = HuggingFaceTokenizerJson.Parse(SmallByteLevel(), "t.json");
        Assert.Equal([3], whole.Encode("ab"));      // "ab" merged
        Assert.Equal([0, 1], split.Encode("ab"));   // split first, so no merge
    }

    [Theory]
    [InlineData("""{"model":{"type":"WordPiece","vocab":{"a":0}}}""", ShiraErrorCode.TokenizerUnsupported, "WordPiece")]
    [InlineData("""{"model":{"type":"Unigram","vocab":[["a",0.0]]}}""", ShiraErrorCode.TokenizerUnsupported, "Unigram")]
    [InlineData("""{"model":{"type":"BPE","vocab":{"a":0},"merges":[]},"pre_tokenizer":{"type":"Metaspace"}}""", ShiraErrorCode.TokenizerUnsupported, "Metaspace")]
    [InlineData("""{"model":{"type":"BPE","vocab":{"a":0},"merges":[]},"pre_tokenizer":null}""", ShiraErrorCode.TokenizerUnsupported, "not byte-level")]
    [InlineData("""{"model":{"type":"BPE","vocab":{"a":0},"merges":[],"dropout":0.1},"pre_tokenizer":{"type":"ByteLevel"}}""", ShiraErrorCode.TokenizerUnsupported, "dropout")]
    [InlineData("""{"model":{"type":"BPE","vocab":{"a":0},"merges":[]},"pre_tokenizer":{"type":"ByteLevel"},"normalizer":{"type":"Lowercase"}}""", ShiraErrorCode.TokenizerUnsupported, "Lowercase")]
    [InlineData("""{"model":{"type":"BPE","vocab":{"a":-1},"merges":[]},"pre_tokenizer":{"type":"ByteLevel"}}""", ShiraErrorCode.TokenizerMalformed, "non-negative")]
    [InlineData("""{"model":{"type":"BPE","vocab":{"a":0},"merges":["a b c"]},"pre_tokenizer":{"type":"ByteLevel"}}""", ShiraErrorCode.TokenizerMalformed, "merges[0]")]
    [InlineData("""{"model":{"type":"BPE"}}""", ShiraErrorCode.TokenizerMalformed, "model.vocab")]
    [InlineData("""{"model": """, ShiraErrorCode.TokenizerMalformed, "JSON")]
    [InlineData("""[1,2]""", ShiraErrorCode.TokenizerMalformed, "object")]
    public void Unsupported_or_malformed_files_are_refused_with_a_reason(string json, ShiraErrorCode code, string reason)
    {
        var e = Assert.Throws<ShiraException>(() => HuggingFaceTokenizerJson.Parse(json, "bad/tokenizer.json"));
        Assert.Equal(code, e.Code);
        Assert.Contains(reason, e.Message, StringComparison.Ordinal);
        Assert.Contains("bad/tokenizer.json", e.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public void Checkpoint_folder_finds_its_tokenizer_json()
    {
        using var dir = new TempDir();
        File.WriteAllText(dir.File("tokenizer.json"), Gpt2TokenizerJson.Text);
        File.WriteAllText(dir.File("config.json"), """{"eos_token_id": 50256}""");
        var tok = TokenizerLoader.ForCheckpoint(dir.File("model.safetensors"))!;
        Assert.Equal([15496, 995], tok.Encode("Hello world"));
        Assert.Null(TokenizerLoader.ForCheckpoint(Path.Combine(dir.Path, "sub", "model.safetensors")));
        Assert.Same(ByteLevelTokenizer.Instance, TokenizerLoader.Load("bytes"));
    }

    // A five-entry byte-level BPE: bytes 'a' 'b' 'c' (ids 0-2), merge "a b" -> "ab" (id 3).
    internal static string SmallByteLevel() => """
        {"model":{"type":"BPE","vocab":{"a":0,"b":1,"c":2,"ab":3,"Ġ":4},"merges":[["a","b"]]},
         "pre_tokenizer":{"type":"ByteLevel","add_prefix_space":false,"use_regex":true}}
        """;
}
