using Shira.Format;
using Shira.Testing;
using Shira.Training.Tokenization;

namespace Shira.Training.Tests.Tokenization;

public sealed class SentencePieceTokenizerTests
{
    // Expected ids were checked with Google's sentencepiece 0.1.97 (Debian python3-sentencepiece) on the same bytes:
    // tests/Shira.Training.Tests/Tokenization/check_sentencepiece.py prints them.
    [Theory]
    [InlineData("hello world", new[] { 15, 20 })]
    [InlineData("held", new[] { 13, 19 })]
    [InlineData("low", new[] { 3, 6, 7, 8 })]
    [InlineData("hello  world", new[] { 15, 20 })]
    public void Bpe_model_encodes_as_sentencepiece_does(string text, int[] expected)
    {
        using var dir = new TempDir();
        File.WriteAllBytes(dir.File("tokenizer.model"), SentencePieceModelBuilder.HelloWorldBpe());
        var tok = TokenizerLoader.ForCheckpoint(dir.File("model.safetensors"))!;
        Assert.Equal("tokenizer.model (SentencePiece)", tok.Kind);
        Assert.Equal(expected, tok.Encode(text));
    }

    [Fact]
    public void Bos_and_eos_come_from_the_trainer_spec()
    {
        using var dir = new TempDir();
        File.WriteAllBytes(dir.File("tokenizer.model"), SentencePieceModelBuilder.HelloWorldBpe());
        var tok = TokenizerLoader.Load(dir.File("tokenizer.model"));
        Assert.Equal(1, tok.BosId);
        Assert.Equal(2, tok.EosId);
        Assert.Equal(21, tok.VocabSize);
        var (ids, start) = tok.EncodeExample("hello", "world");
        Assert.Equal([1, 15, 20, 2], ids);
        Assert.Equal(2, start);
        Assert.Equal("hello world", tok.Decode(ids));
    }

    [Fact]
    public void A_metaspace_tokenizer_json_falls_back_to_tokenizer_model()
    {
        using var dir = new TempDir();
        File.WriteAllBytes(dir.File("tokenizer.model"), SentencePieceModelBuilder.HelloWorldBpe());
        File.WriteAllText(dir.File("tokenizer.json"),
            """{"model":{"type":"BPE","vocab":{"a":0},"merges":[]},"pre_tokenizer":{"type":"Metaspace"}}""");
        var tok = TokenizerLoader.ForCheckpoint(dir.Path)!;
        Assert.Equal([15, 20], tok.Encode("hello world"));
        File.Delete(dir.File("tokenizer.model"));
        var e = Assert.Throws<ShiraException>(() => TokenizerLoader.ForCheckpoint(dir.Path));
        Assert.Equal(ShiraErrorCode.TokenizerUnsupported, e.Code);
    }

    [Fact]
    public void Garbage_model_file_is_refused()
    {
        using var dir = new TempDir();
        File.WriteAllBytes(dir.File("tokenizer.model"), [0xFF, 0xFF, 0xFF, 0x01, 0x02]);
        var e = Assert.Throws<ShiraException>(() => TokenizerLoader.Load(dir.File("tokenizer.model")));
        Assert.Equal(ShiraErrorCode.TokenizerMalformed, e.Code);
    }

    [Fact]
    public void Writes_the_model_for_the_python_check()
    {
        // Lets check_sentencepiece.py read exactly the bytes the tests use.
        var path = Environment.GetEnvironmentVariable("SHIRA_WRITE_SP_MODEL");
        if (path is not null) File.WriteAllBytes(path, SentencePieceModelBuilder.HelloWorldBpe());
        Assert.True(SentencePieceModelBuilder.HelloWorldBpe().Length > 100);
    }
}
