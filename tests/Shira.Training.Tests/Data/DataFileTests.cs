using System.Text;
using CsCheck;
using Shira.Format;
using Shira.Testing;
using Shira.Training.Data;
using Shira.Training.Tests.Tokenization;
using Shira.Training.Tokenization;

namespace Shira.Training.Tests.Data;

public sealed class DataFileTests
{
    private static DataFile Parse(string text, string name = "d.jsonl") => DataFile.Parse(Encoding.UTF8.GetBytes(text), name);

    [Fact]
    public void Jsonl_reads_texts_and_pairs_with_their_line_numbers()
    {
        var d = Parse("{\"text\": \"hello\"}\n\n{\"prompt\": \"2+2=\", \"completion\": \"4\", \"id\": 7}\r\n  \n{\"prompt\": \"\", \"completion\": \"x\"}");
        Assert.Equal(DataFileFormat.JsonLines, d.Format);
        Assert.Equal([new DataRecord(1, null, "hello"), new DataRecord(3, "2+2=", "4"), new DataRecord(5, "", "x")], d.Records);
        Assert.Equal(2, d.PromptCompletionCount);
    }

    [Fact]
    public void Plain_text_is_one_example_per_line_and_tab_lines_are_pairs()
    {
        var d = Parse("\uFEFFfirst line\nprompt\tanswer\n", "d.txt");
        Assert.Equal(DataFileFormat.PlainText, d.Format);
        Assert.Equal([new DataRecord(1, null, "first line"), new DataRecord(2, "prompt", "answer")], d.Records);
        Assert.Equal(DataFileFormat.JsonLines, Parse("\n {\"text\": \"a\"}", "d.txt").Format); // content decides
    }

    [Theory]
    [InlineData("{\"text\": \"ok\"}\n{\"text\": \"ok\"\n", 2, "not valid JSON")]
    [InlineData("{\"text\": \"ok\"}\n[1, 2]\n", 2, "not an object")]
    [InlineData("{\"text\": \"ok\"}\n{\"text\": \"ok\"}\n{\"prompt\": \"p\"}", 3, "no 'completion'")]
    [InlineData("{\"completion\": \"c\"}", 1, "no 'prompt'")]
    [InlineData("{\"text\": 5}", 1, "'text' is a number")]
    [InlineData("{\"prompt\": \"p\", \"completion\": null}", 1, "'completion' is a null")]
    [InlineData("{\"prompt\": \"p\", \"completion\": \"\"}", 1, "'completion' is empty")]
    [InlineData("{\"text\": \"t\", \"prompt\": \"p\", \"completion\": \"c\"}", 1, "both")]
    [InlineData("{\"messages\": []}", 1, "messages")]
    [InlineData("{\"input\": \"x\"}", 1, "needs a \"text\" field")]
    public void Malformed_lines_are_refused_with_file_line_and_reason(string text, int line, string reason)
    {
        var e = Assert.Throws<ShiraException>(() => Parse(text, "train.jsonl"));
        Assert.Equal(ShiraErrorCode.DataMalformed, e.Code);
        Assert.Contains($"line {line}: ", e.Message, StringComparison.Ordinal);
        Assert.Contains(reason, e.Message, StringComparison.Ordinal);
        Assert.Contains("train.jsonl", e.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public void Random_binary_is_refused_as_not_text()
    {
        using var dir = new TempDir();
        var bytes = new byte[4096];
        new Random(5).NextBytes(bytes);
        File.WriteAllBytes(dir.File("data.bin"), bytes);
        var e = Assert.Throws<ShiraException>(() => DataFile.Read(dir.File("data.bin")));
        Assert.Equal(ShiraErrorCode.DataNotText, e.Code);
        Assert.NotNull(e.Offset);
        // Invalid UTF-8 without any NUL byte: reported at its line and byte.
        var e2 = Assert.Throws<ShiraException>(() => DataFile.Parse([(byte)'o', (byte)'k', (byte)'\n', (byte)'b', (byte)'a', (byte)'d', (byte)' ', 0xC3, 0x28, (byte)'\n'], "x.txt"));
        Assert.Equal(ShiraErrorCode.DataNotText, e2.Code);
        Assert.Contains("line 2", e2.Message, StringComparison.Ordinal);
        Assert.Equal(7, e2.Offset);
    }

    [Fact]
    public void Empty_files_are_refused()
    {
        Assert.Equal(ShiraErrorCode.DataEmpty, Assert.Throws<ShiraException>(() => Parse("\n \n\r\n", "e.txt")).Code);
        Assert.Equal(ShiraErrorCode.DataEmpty, Assert.Throws<ShiraException>(() => Parse("", "e.jsonl")).Code);
    }

    [Fact]
    public void Loss_is_on_the_completion_only_with_a_real_tokenizer()
    {
        var tok = HuggingFaceTokenizerJson.Parse(Gpt2TokenizerJson.Text, "gpt2/tokenizer.json");
        var d = Parse("{\"prompt\": \"Hello\", \"completion\": \" world\"}\n{\"text\": \"The quick brown fox\"}");
        var (data, report) = TokenDataset.FromData(d, tok, maxTokens: 64, modelVocabSize: 50257);
        Assert.Equal(2, report.Examples);
        Assert.Equal(1, report.PromptCompletion);
        var batch = data.GetBatch([0, 1]);
        // Row 0: ids [Hello, world, EOS] -> inputs [Hello, world, pad…], targets [world, EOS, ignored…].
        long ig = TokenDataset.IgnoreIndex, eos = Gpt2TokenizerJson.EndOfText;
        Assert.Equal(4, batch.Length);
        Assert.Equal([15496, 995, eos, eos], batch.Inputs[..4]);
        Assert.Equal([995, eos, ig, ig], batch.Targets[..4]);
        // Row 1: a text [The quick brown fox EOS], every token after the first scored.
        Assert.Equal([464, 2068, 7586, 21831], batch.Inputs[4..]);
        Assert.Equal([2068, 7586, 21831, eos], batch.Targets[4..]);
        Assert.Equal(2 + 4, batch.ScoredTokens);
        Assert.Equal(2 + 4, batch.InputTokens);
        Assert.Equal(6, report.ScoredTokens);
    }

    [Fact]
    public void Prompt_only_tokens_are_never_scored_property()
    {
        var tok = ByteLevelTokenizer.Instance;
        Gen.Select(Gen.String[0, 20], Gen.String[1, 20]).Sample((p, c) =>
        {
            var d = DataFile.Parse(Encoding.UTF8.GetBytes(System.Text.Json.JsonSerializer.Serialize(new { prompt = p, completion = c })), "p.jsonl");
            var (data, _) = TokenDataset.FromData(d, tok, 4096);
            var batch = data.GetBatch([0]);
            int promptBytes = Encoding.UTF8.GetByteCount(p);
            // BOS prompt SEP: the targets at positions 0..promptBytes (predicting prompt bytes and SEP) are ignored.
            for (int i = 0; i < promptBytes + 1; i++) Assert.Equal(TokenDataset.IgnoreIndex, batch.Targets[i]);
            Assert.Equal(Encoding.UTF8.GetByteCount(c) + 1, batch.ScoredTokens);
        }, iter: 200);
    }

    [Theory]
    [InlineData(OverLongPolicy.Skip, 2)]
    [InlineData(OverLongPolicy.Truncate, 3)]
    public void Over_long_examples_are_counted_and_reported(OverLongPolicy policy, int kept)
    {
        var d = Parse("{\"text\": \"short\"}\n{\"text\": \"" + new string('x', 50) + "\"}\n{\"prompt\": \"p\", \"completion\": \"ok\"}");
        var (data, report) = TokenDataset.FromData(d, ByteLevelTokenizer.Instance, maxTokens: 20, policy);
        Assert.Equal(kept, data.Count);
        Assert.Equal(1, report.OverLong);
        Assert.Equal([2], report.OverLongLines);
        Assert.Contains("1 over 20 tokens", report.Summary(), StringComparison.Ordinal);
        Assert.True(data.MaxLength <= 20);
        var e = Assert.Throws<ShiraException>(() => TokenDataset.FromData(d, ByteLevelTokenizer.Instance, 20, OverLongPolicy.Error));
        Assert.Equal(ShiraErrorCode.DataMalformed, e.Code);
        Assert.Contains("lines 2", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Tokens_beyond_the_models_vocabulary_are_refused()
    {
        var tok = HuggingFaceTokenizerJson.Parse(Gpt2TokenizerJson.Text, "gpt2/tokenizer.json");
        var e = Assert.Throws<ShiraException>(() => TokenDataset.FromData(Parse("{\"text\": \"Hello world\"}"), tok, 64, modelVocabSize: 1000));
        Assert.Equal(ShiraErrorCode.TokenizerVocabularyMismatch, e.Code);
        Assert.Contains("line 1", e.Message, StringComparison.Ordinal);
    }
}
