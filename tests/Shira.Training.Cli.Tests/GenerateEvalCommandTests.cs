using System.Text.Json.Nodes;
using Shira.Cli.Infrastructure;
using Shira.Runtime;
using Shira.Testing;
using Shira.Training.Data;
using Shira.Training.Jobs;
using Shira.Training.Inference;
using Shira.Training.Models;
using Shira.Training.Tests.Models;
using Shira.Training.Tests.Tokenization;
using Shira.Training.Tokenization;

namespace Shira.Training.Cli.Tests;

/// <summary><c>shira-train generate</c> and <c>eval</c> on the tiny byte-level model and on a random Hugging Face
/// checkpoint with GPT-2's real tokenizer, checked against the merged model the runtime writes out.</summary>
public sealed class GenerateEvalCommandTests
{
    private static (int Exit, string Out, string Err) Run(params string[] args)
    {
        var o = new StringWriter();
        var e = new StringWriter();
        using (CliConsole.Use(o, e)) return (Program.Run(args), o.ToString(), e.ToString());
    }

    private static void Train(string @base, string output, string dataOrTask, bool isData, params string[] extra)
    {
        var r = Run(["train", "--base", @base, isData ? "--data" : "--task", dataOrTask, "--budget", "lora:1", "--steps", "3",
            "--batch", "4", "--examples", "16", "--eval", "0", "--lr", "0.05", "-o", output, .. extra]);
        Assert.True(r.Exit == 0, r.Err + r.Out);
    }

    // The merged weights as the runtime computes them, saved to a file and loaded as a plain model.
    private static LlamaForCausalLM Merged(string @base, string adapter, float scale, string dir)
    {
        dir = Path.Combine(dir, "merged");
        Directory.CreateDirectory(dir);
        using (var b = BaseModel.Open(@base, BaseOpenMode.Memory))
        using (var reader = Shira.Format.Container.ShiraReader.Open(adapter))
        {
            b.Apply(reader, scale);
            b.SaveAs(Path.Combine(dir, "merged.safetensors"));
        }
        using var checkpoint = Shira.Format.Safetensors.SafetensorsCheckpoint.Open(@base);
        return LlamaCheckpoint.Load(Path.Combine(dir, "merged.safetensors"), LlamaCheckpoint.ReadConfig(checkpoint, @base));
    }

    [Fact]
    public void Tiny_model_generate_switches_adapters_and_serves_exactly_the_merged_model()
    {
        using var dir = new TempDir();
        string basePath = dir.File("base.safetensors");
        using (var model = new LlamaForCausalLM(TrainRequest.TinyConfig, seed: 1)) LlamaCheckpoint.Save(model, basePath);
        Train(basePath, dir.File("rev.shira"), "reverse", false);
        Train(basePath, dir.File("sort.shira"), "sort", false, "--seed", "3");

        var r = Run("generate", basePath, "--adapter", dir.File("rev.shira"), "--adapter", dir.File("sort.shira"), "--scale", "0.5",
            "--prompt", "reverse abc", "--max-new-tokens", "8", "--json");
        Assert.True(r.Exit == 0, r.Err);
        var json = JsonNode.Parse(r.Out)!;
        var outputs = json["outputs"]!.AsArray();
        Assert.Equal(3, outputs.Count);
        Assert.Null(outputs[0]!["adapter"]);
        Assert.Equal(0.5, (double)outputs[2]!["scale"]!);
        Assert.True((double)outputs[1]!["switch_ms"]! >= 0 && (double)outputs[2]!["switch_ms"]! >= 0);

        var prompt = ByteLevelTokenizer.Instance.EncodePrompt("reverse abc");
        var options = new GenerationOptions { MaxNewTokens = 8, StopId = ByteLevelTokenizer.Instance.EosId };
        using (var plain = LlamaCheckpoint.Load(basePath))
            Assert.Equal(TextGenerator.Generate(plain, prompt, options), Tokens(outputs[0]!));
        for (int i = 1; i <= 2; i++)
        {
            string adapter = i == 1 ? dir.File("rev.shira") : dir.File("sort.shira");
            using var merged = Merged(basePath, adapter, i == 1 ? 1f : 0.5f, dir.Path);
            Assert.Equal(TextGenerator.Generate(merged, prompt, options), Tokens(outputs[i]!));
        }

        // Text mode prints each switch's time.
        var text = Run("generate", basePath, "--adapter", dir.File("rev.shira"), "--adapter", dir.File("sort.shira"), "--prompt", "sort 321", "--max-new-tokens", "4");
        Assert.Equal(0, text.Exit);
        Assert.Contains("[base]", text.Out);
        Assert.Equal(2, text.Out.Split("switched in").Length - 1);

        // eval: the adapter's loss is the merged model's.
        File.WriteAllText(dir.File("eval.jsonl"), "{\"prompt\": \"reverse abc\", \"completion\": \"cba\"}\n{\"text\": \"copy word\"}\n");
        var ev = Run("eval", basePath, "--adapter", dir.File("rev.shira"), "--data", dir.File("eval.jsonl"), "--json");
        Assert.True(ev.Exit == 0, ev.Err);
        var results = JsonNode.Parse(ev.Out)!["results"]!.AsArray();
        Assert.Equal(2, results.Count);
        Assert.Equal(1, (int)results[1]!["prompt_completion_examples"]!);
        var (data, _) = TokenDataset.FromData(DataFile.Read(dir.File("eval.jsonl")), ByteLevelTokenizer.Instance, 2048);
        using (var merged = Merged(basePath, dir.File("rev.shira"), 1f, dir.Path))
            Assert.Equal(ModelEvaluator.Evaluate(merged, data).Loss, (double)results[1]!["loss"]!, 5);
        using (var plain = LlamaCheckpoint.Load(basePath))
            Assert.Equal(ModelEvaluator.Evaluate(plain, data).Loss, (double)results[0]!["loss"]!, 5);
    }

    [Fact]
    public void Random_hf_checkpoint_with_gpt2_tokenizer_trains_on_jsonl_generates_and_evaluates()
    {
        using var dir = new TempDir();
        var shape = new ReferenceLlama.Shape(50257, 16, 32, 1, 2, 1, 8, 10000, 1e-5, true, true, false, 0);
        RandomHfCheckpoint.Write(dir.Path, shape, "qwen2", seed: 5, editConfig: c => c["eos_token_id"] = Gpt2TokenizerJson.EndOfText);
        File.WriteAllText(dir.File("tokenizer.json"), Gpt2TokenizerJson.Text);
        File.WriteAllText(dir.File("train.jsonl"), string.Join("\n",
            Enumerable.Range(0, 12).Select(i => $"{{\"prompt\": \"Q: {i} plus one?\", \"completion\": \" A: {i + 1}\"}}")));
        Train(dir.Path, dir.File("plus.shira"), dir.File("train.jsonl"), true);

        var g = Run("generate", dir.Path, "--adapter", dir.File("plus.shira"), "--prompt", "Hello world", "--max-new-tokens", "5", "--json");
        Assert.True(g.Exit == 0, g.Err);
        var json = JsonNode.Parse(g.Out)!;
        Assert.Equal("tokenizer.json (byte-level BPE)", (string?)json["tokenizer"]);
        Assert.Equal(2, (int)json["prompt_tokens"]!); // "Hello world" -> [15496, 995]
        var outputs = json["outputs"]!.AsArray();
        var tok = HuggingFaceTokenizerJson.Parse(Gpt2TokenizerJson.Text, "t.json");
        using (var merged = Merged(dir.Path, dir.File("plus.shira"), 1f, dir.Path))
        {
            var expected = TextGenerator.Generate(merged, [15496, 995], new GenerationOptions { MaxNewTokens = 5, StopId = Gpt2TokenizerJson.EndOfText });
            Assert.Equal(expected, Tokens(outputs[1]!));
            Assert.Equal(tok.Decode(expected), (string?)outputs[1]!["text"]);
        }

        var ev = Run("eval", dir.Path, "--adapter", dir.File("plus.shira"), "--data", dir.File("train.jsonl"), "--json");
        Assert.True(ev.Exit == 0, ev.Err);
        var root = JsonNode.Parse(ev.Out)!;
        Assert.Equal(12, (int)root["data"]!["prompt_completion"]!);
        Assert.Equal("tokenizer.json (byte-level BPE)", (string?)root["data"]!["tokenizer"]);
        var rows = root["results"]!.AsArray();
        Assert.True((double)rows[1]!["loss"]! < (double)rows[0]!["loss"]!, "three steps on the data lower its loss");
        Assert.True((double)rows[0]!["perplexity"]! > 1);
    }

    [Fact]
    public void A_real_tokenizer_with_fewer_than_260_tokens_is_not_held_to_the_byte_level_vocabulary()
    {
        // A byte-level BPE over 26 letters, the space ('Ġ') and an end token: 28 ids, below byte-level's 260.
        // The byte-level vocabulary check used to run for every tokenizer and refused this base (SHIRA-E7057).
        using var dir = new TempDir();
        var vocab = Enumerable.Range(0, 26).Select(i => $"\"{(char)('a' + i)}\": {i}").Append("\"\u0120\": 26").Append("\"<eos>\": 27");
        File.WriteAllText(dir.File("tokenizer.json"),
            "{\"added_tokens\": [{\"id\": 27, \"content\": \"<eos>\", \"special\": true}], " +
            "\"pre_tokenizer\": {\"type\": \"ByteLevel\", \"add_prefix_space\": false, \"use_regex\": true}, " +
            "\"model\": {\"type\": \"BPE\", \"vocab\": {" + string.Join(", ", vocab) + "}, \"merges\": []}}");
        var shape = new ReferenceLlama.Shape(28, 16, 32, 1, 2, 1, 8, 10000, 1e-5, true, true, false, 0);
        RandomHfCheckpoint.Write(dir.Path, shape, "qwen2", seed: 5, editConfig: c => c["eos_token_id"] = 27);
        File.WriteAllText(dir.File("train.txt"), string.Join("\n", Enumerable.Range(0, 12).Select(i => "abc def ghi jkl")));
        Train(dir.Path, dir.File("small.shira"), dir.File("train.txt"), true);
        Assert.True(File.Exists(dir.File("small.shira")));
    }

    [Theory]
    [InlineData("{\"text\": \"ok\"}\n{\"prompt\": \"p\"}\n", "SHIRA-E7054", "line 2")]
    [InlineData("BINARY", "SHIRA-E7055", "binary")]
    public void Bad_data_is_refused_with_the_line_and_exit_1(string content, string code, string reason)
    {
        using var dir = new TempDir();
        string basePath = dir.File("base.safetensors");
        using (var model = new LlamaForCausalLM(TrainRequest.TinyConfig, seed: 1)) LlamaCheckpoint.Save(model, basePath);
        if (content == "BINARY") File.WriteAllBytes(dir.File("d.jsonl"), [0x50, 0x4B, 0x03, 0x04, 0x00, 0x00, 0xFF]);
        else File.WriteAllText(dir.File("d.jsonl"), content);
        foreach (var args in new[]
        {
            new[] { "eval", basePath, "--data", dir.File("d.jsonl") },
            new[] { "train", "--base", basePath, "--data", dir.File("d.jsonl"), "--steps", "1", "-o", dir.File("x.shira") },
        })
        {
            var r = Run(args);
            Assert.Equal(1, r.Exit);
            Assert.Contains(code, r.Err);
            Assert.Contains(reason, r.Err);
            Assert.Contains("d.jsonl", r.Err);
        }
        Assert.False(File.Exists(dir.File("x.shira")));
    }

    private static int[] Tokens(JsonNode output) => output["tokens"]!.AsArray().Select(t => (int)t!).ToArray();
}
