using System.Text.Json.Nodes;
using Shira.Convert.Peft;
using Shira.Convert.Selection;
using Shira.Format;
using Shira.Format.Container;
using Shira.Format.Safetensors;
using Shira.Testing;
using static Shira.Convert.Tests.PeftBuilder;

namespace Shira.Convert.Tests;

/// <summary>
/// <c>export peft</c>: full replacements go out as PEFT modules_to_save (saved as <c>base_model.model.&lt;module&gt;.weight</c>,
/// as PEFT's ModulesToSaveWrapper saves them); what PEFT's SHiRA cannot load is refused; config values the adapter did
/// not have are never made up. Round trips start from PEFT's own files.
/// </summary>
public class PeftExportInteropTests
{
    private static JsonObject Config(string folder) =>
        JsonNode.Parse(File.ReadAllText(Path.Combine(folder, "adapter_config.json")))!.AsObject();

    /// <summary>PEFT's SHiRA fixture plus a modules_to_save tensor (model.norm) and a task type, as PEFT saves them.</summary>
    private static string ShiraWithModulesToSave(TempDir dir)
    {
        string folder = Fixtures.CopyAdapter(dir, Fixtures.Llama("shira"), "shira_mts");
        var norm = Random(9, 64, 1);
        string weights = Path.Combine(folder, "adapter_model.safetensors");
        var sources = new List<SafetensorsTensorSource>();
        using (var f = SafetensorsFile.Open(weights))
            foreach (var t in f.Tensors) sources.Add(SafetensorsTensorSource.FromBytes(t.Name, t.DType, t.Shape, f.GetBytes(t).ToArray()));
        sources.Add(F32("base_model.model.model.norm.weight", [64], norm));
        sources.Sort((a, b) => string.CompareOrdinal(a.Name, b.Name));
        SafetensorsWriter.WriteFile(weights, sources, new Dictionary<string, string> { ["format"] = "pt" });
        Fixtures.SetConfig(folder, "modules_to_save", """["model.norm"]""");
        Fixtures.SetConfig(folder, "task_type", "\"CAUSAL_LM\"");
        Fixtures.SetConfig(folder, "base_model_name_or_path", "\"toy/llama-tiny\"");
        return folder;
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void PEFT_shira_with_modules_to_save_round_trips_config_and_tensors(bool withBase)
    {
        using var dir = new TempDir();
        string source = ShiraWithModulesToSave(dir);
        string shira = dir.File("a.shira");
        PeftConverter.Convert(source, shira, new ConvertOptions { BasePath = withBase ? Fixtures.LlamaBase() : null });
        string exported = Path.Combine(dir.Path, "exported");
        var report = PeftShiraExporter.Export(shira, exported);
        Assert.Contains(report.Tensors, t => t.Tensor == "model.norm.weight" && t.Kind == "modules_to_save");

        using (var mine = SafetensorsFile.Open(Path.Combine(exported, "adapter_model.safetensors")))
        using (var theirs = SafetensorsFile.Open(Path.Combine(source, "adapter_model.safetensors")))
        {
            Assert.Equal(theirs.Tensors.Select(t => t.Name), mine.Tensors.Select(t => t.Name));
            foreach (var t in theirs.Tensors)
            {
                Assert.True(mine.TryGetTensor(t.Name, out var m), t.Name);
                Assert.Equal(t.DType, m.DType);
                Assert.Equal(t.Shape, m.Shape);
                Assert.True(theirs.GetBytes(t).SequenceEqual(mine.GetBytes(m)), t.Name);
            }
        }
        var theirConfig = Config(source);
        var ours = Config(exported);
        foreach (var key in new[] { "modules_to_save", "task_type", "base_model_name_or_path", "mask_type", "random_seed", "r", "peft_type", "peft_version" })
            Assert.True(JsonNode.DeepEquals(theirConfig[key], ours[key]), $"{key}: {theirConfig[key]?.ToJsonString()} vs {ours[key]?.ToJsonString()}");

        // And back: the same .shira bytes.
        string again = dir.File("again.shira");
        Directory.Move(exported, Path.Combine(dir.Path, "shira_mts_2"));
        PeftConverter.Convert(Path.Combine(dir.Path, "shira_mts_2"), again, new ConvertOptions { BasePath = withBase ? Fixtures.LlamaBase() : null });
        using var a = ShiraReader.Open(shira);
        using var b = ShiraReader.Open(again);
        Assert.Equal(a.Tensors.Select(t => (t.Name, t.Nnz, t.Semantics)), b.Tensors.Select(t => (t.Name, t.Nnz, t.Semantics)));
        foreach (var t in a.Tensors)
            Assert.True(a.GetValueBytes(t).SequenceEqual(b.GetValueBytes(b.Tensors.Single(x => x.Name == t.Name))), t.Name);
    }

    [Fact]
    public void A_GPT2_Conv1D_adapter_is_refused_and_nothing_is_written()
    {
        using var dir = new TempDir();
        string shira = dir.File("g.shira");
        PeftConverter.Convert(Fixtures.Gpt2("lora_fan_in_fan_out"), shira, new ConvertOptions { BasePath = Fixtures.Gpt2("base/model.safetensors") });
        string exported = Path.Combine(dir.Path, "g");
        var e = Assert.Throws<ShiraException>(() => PeftShiraExporter.Export(shira, exported));
        Assert.Equal(ShiraErrorCode.PeftUnsupported, e.Code);
        Assert.Contains("Conv1D", e.Message);
        Assert.False(Directory.Exists(exported) && Directory.EnumerateFileSystemEntries(exported).Any());
    }

    [Theory]
    [InlineData("transformer.h.0.attn.c_attn.weight", 64, 192, "", true)]    // Conv1D [in, out]: wider than tall
    [InlineData("transformer.h.0.mlp.c_fc.weight", 64, 256, "", true)]
    [InlineData("transformer.h.0.mlp.c_proj.weight", 256, 64, "", true)]
    [InlineData("transformer.h.0.attn.c_proj.weight", 64, 64, "openai-community/gpt2", true)]
    [InlineData("transformer.h.0.attn.c_attn.weight", 192, 64, "bigcode/gpt_bigcode-santacoder", false)] // nn.Linear [out, in]
    [InlineData("transformer.h.0.mlp.c_proj.weight", 64, 256, "Qwen/Qwen-7B", false)]
    public void Conv1D_is_recognised_by_name_and_layout_and_Linear_of_the_same_name_passes(string name, long rows, long cols, string baseModel, bool refused)
    {
        using var dir = new TempDir();
        string shira = dir.File("a.shira");
        ShiraWriter.WriteFile(shira, new AdapterMetadata { BaseModel = baseModel }, w => w.AddTensor(
            new TensorSpec { Name = name, Shape = [rows, cols] }, [0L, 5L, 9L], [1f, 2f, 3f]));
        string exported = Path.Combine(dir.Path, "o");
        if (refused)
            Assert.Equal(ShiraErrorCode.PeftUnsupported, Assert.Throws<ShiraException>(() => PeftShiraExporter.Export(shira, exported)).Code);
        else
            PeftShiraExporter.Export(shira, exported);
    }

    [Fact]
    public void An_embedding_delta_is_refused_with_the_alternative()
    {
        using var dir = new TempDir();
        string shira = dir.File("a.shira");
        ShiraWriter.WriteFile(shira, new AdapterMetadata(), w => w.AddTensor(
            new TensorSpec { Name = "model.embed_tokens.weight", Shape = [100, 8] }, [0L, 5L], [1f, 2f]));
        var e = Assert.Throws<ShiraException>(() => PeftShiraExporter.Export(shira, Path.Combine(dir.Path, "o")));
        Assert.Equal(ShiraErrorCode.PeftUnsupported, e.Code);
        Assert.Contains("shira apply", e.Message);
    }

    [Fact]
    public void A_dense_adapter_no_r_can_express_is_refused_naming_shira_apply()
    {
        using var dir = new TempDir();
        string shira = dir.File("dense.shira");
        // Every entry of a 2×64 weight: r = ceil(128 / 66) = 2 would need 132 entries, more than the 128 it has.
        var idx = Enumerable.Range(0, 128).Select(i => (long)i).ToArray();
        ShiraWriter.WriteFile(shira, new AdapterMetadata(), w => w.AddTensor(
            new TensorSpec { Name = "m.weight", Shape = [2, 64] }, idx, Enumerable.Repeat(0.5f, 128).ToArray()));
        var e = Assert.Throws<ShiraException>(() => PeftShiraExporter.Export(shira, Path.Combine(dir.Path, "o")));
        Assert.Equal(ShiraErrorCode.PeftUnsupported, e.Code);
        Assert.Contains("no PEFT SHiRA r", e.Message);
        Assert.Contains("shira apply", e.Message);
    }

    [Fact]
    public void A_partial_replacement_is_refused_naming_shira_apply()
    {
        using var dir = new TempDir();
        string shira = dir.File("r.shira");
        ShiraWriter.WriteFile(shira, new AdapterMetadata(), w => w.AddTensor(
            new TensorSpec { Name = "a.weight", Shape = [4, 4], Semantics = Semantics.Replace }, [1L, 2L], [1f, 2f]));
        var e = Assert.Throws<ShiraException>(() => PeftShiraExporter.Export(shira, Path.Combine(dir.Path, "o")));
        Assert.Contains("shira apply", e.Message);
    }

    [Fact]
    public void Nothing_is_invented_and_task_type_and_base_model_are_kept()
    {
        using var dir = new TempDir();
        string bare = dir.File("bare.shira");
        ShiraWriter.WriteFile(bare, new AdapterMetadata(), w => w.AddTensor(
            new TensorSpec { Name = "m.weight", Shape = [8, 8] }, [0L, 9L], [1f, 2f]));
        string exported = Path.Combine(dir.Path, "bare");
        PeftShiraExporter.Export(bare, exported);
        var config = Config(exported);
        Assert.False(config.ContainsKey("peft_version"));
        Assert.False(config.ContainsKey("mask_type"));
        Assert.Null(config["random_seed"]);
        Assert.Null(config["task_type"]);
        Assert.Null(config["modules_to_save"]);

        // A LoRA converted at the default budget: its mask is a top-k of the delta, its task type and base are the LoRA's.
        string lora = Fixtures.CopyAdapter(dir, Fixtures.Llama("lora"), "lora");
        Fixtures.SetConfig(lora, "task_type", "\"CAUSAL_LM\"");
        Fixtures.SetConfig(lora, "base_model_name_or_path", "\"toy/llama-tiny\"");
        string shira = dir.File("l.shira");
        PeftConverter.Convert(lora, shira, new ConvertOptions { Mode = SparsifyMode.Density, Density = 0.1 });
        string out2 = Path.Combine(dir.Path, "lora-out");
        PeftShiraExporter.Export(shira, out2);
        config = Config(out2);
        Assert.Equal("topk_delta", (string?)config["mask_type"]);
        Assert.Null(config["random_seed"]);
        Assert.Equal("CAUSAL_LM", (string?)config["task_type"]);
        Assert.Equal("toy/llama-tiny", (string?)config["base_model_name_or_path"]);
        Assert.Equal("0.20.0", (string?)config["peft_version"]); // the LoRA's own, not made up
    }
}
