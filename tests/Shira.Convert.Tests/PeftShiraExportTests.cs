using System.Text.Json.Nodes;
using Shira.Convert.Peft;
using Shira.Convert.Selection;
using Shira.Format;
using Shira.Format.Container;
using Shira.Format.Safetensors;
using Shira.Testing;

namespace Shira.Convert.Tests;

public class PeftShiraExportTests
{
    private static readonly string Adapter = Fixtures.Llama("shira");

    [Fact]
    public void Import_export_import_gives_identical_shira_bytes()
    {
        using var dir = new TempDir();
        string first = dir.File("first.shira"), second = dir.File("second.shira");
        PeftConverter.Convert(Adapter, first, new ConvertOptions { BasePath = Fixtures.LlamaBase() });
        // Same folder name as the fixture: the name is part of the adapter's provenance.
        string exported = Path.Combine(dir.Path, "out", "shira");
        var report = PeftShiraExporter.Export(first, exported);
        Assert.Empty(report.Notes);
        PeftConverter.Convert(exported, second, new ConvertOptions { BasePath = Fixtures.LlamaBase() });
        Assert.Equal(File.ReadAllBytes(first), File.ReadAllBytes(second));
    }

    [Fact]
    public void Exported_weights_equal_PEFTs_own_file_and_config_follows_its_schema()
    {
        using var dir = new TempDir();
        string shira = dir.File("a.shira");
        PeftConverter.Convert(Adapter, shira, new ConvertOptions { BasePath = Fixtures.LlamaBase() });
        string exported = Path.Combine(dir.Path, "shira");
        PeftShiraExporter.Export(shira, exported);

        using (var mine = SafetensorsFile.Open(Path.Combine(exported, "adapter_model.safetensors")))
        using (var peft = SafetensorsFile.Open(Path.Combine(Adapter, "adapter_model.safetensors")))
        {
            Assert.Equal(peft.Tensors.Select(t => t.Name).Order(StringComparer.Ordinal), mine.Tensors.Select(t => t.Name).Order(StringComparer.Ordinal));
            foreach (var t in peft.Tensors)
            {
                Assert.True(mine.TryGetTensor(t.Name, out var m));
                Assert.Equal(t.DType, m.DType);
                Assert.Equal(t.Shape, m.Shape);
                Assert.True(peft.GetBytes(t).SequenceEqual(mine.GetBytes(m)), t.Name);
            }
            Assert.Equal("pt", mine.Header.Metadata["format"]);
        }

        var theirs = JsonNode.Parse(File.ReadAllText(Path.Combine(Adapter, "adapter_config.json")))!.AsObject();
        var ours = JsonNode.Parse(File.ReadAllText(Path.Combine(exported, "adapter_config.json")))!.AsObject();
        // Every key PEFT wrote is there with the same value, except auto_mapping (a property of the Python class
        // used) and target_modules, which we spell as full module paths (PEFT matches them exactly).
        foreach (var (key, value) in theirs)
        {
            if (key is "auto_mapping" or "target_modules") continue;
            Assert.True(ours.ContainsKey(key), key);
            Assert.True(JsonNode.DeepEquals(value, ours[key]), $"{key}: {value?.ToJsonString()} vs {ours[key]?.ToJsonString()}");
        }
        Assert.Equal(14, ours["target_modules"]!.AsArray().Count);
        Assert.All(ours.Select(p => p.Key), k => Assert.True(theirs.ContainsKey(k), k));
    }

    [Fact]
    public void A_top_k_adapter_is_padded_with_zeros_and_still_merges_to_the_same_weights()
    {
        using var dir = new TempDir();
        string shira = dir.File("a.shira"), back = dir.File("back.shira");
        PeftConverter.Convert(Fixtures.Llama("lora"), shira, new ConvertOptions { Mode = SparsifyMode.Density, Density = 0.1 });
        string exported = Path.Combine(dir.Path, "exported");
        var report = PeftShiraExporter.Export(shira, exported);
        Assert.NotEmpty(report.Notes);
        int r = report.Tensors[0].Rank;
        Assert.All(report.Tensors, t => Assert.Equal(r * (t.Shape[0] + t.Shape[1]), t.Nnz));
        PeftConverter.Convert(exported, back, new ConvertOptions { BasePath = Fixtures.LlamaBase() });
        Fixtures.AssertBitIdentical(Fixtures.Apply(dir, Fixtures.LlamaBase(), shira, "a.safetensors"),
            Fixtures.Apply(dir, Fixtures.LlamaBase(), back, "b.safetensors"));
    }

    [Fact]
    public void Replace_entries_and_non_matrix_targets_are_refused()
    {
        using var dir = new TempDir();
        string replace = dir.File("r.shira");
        ShiraWriter.WriteFile(replace, new AdapterMetadata(), w => w.AddTensor(
            new TensorSpec { Name = "a.weight", Shape = [4, 4], Semantics = Semantics.Replace }, [1L, 2L], [1f, 2f]));
        var e = Assert.Throws<ShiraException>(() => PeftShiraExporter.Export(replace, Path.Combine(dir.Path, "o1")));
        Assert.Equal(ShiraErrorCode.PeftUnsupported, e.Code);

        string bias = dir.File("b.shira");
        ShiraWriter.WriteFile(bias, new AdapterMetadata(), w => w.AddTensor(
            new TensorSpec { Name = "a.bias", Shape = [4] }, [1L], [1f]));
        e = Assert.Throws<ShiraException>(() => PeftShiraExporter.Export(bias, Path.Combine(dir.Path, "o2")));
        Assert.Equal(ShiraErrorCode.PeftUnsupported, e.Code);
    }

    [Fact]
    public void A_scale_is_folded_into_the_values()
    {
        using var dir = new TempDir();
        string scaled = dir.File("s.shira");
        ShiraWriter.WriteFile(scaled, new AdapterMetadata(), w => w.AddTensor(
            new TensorSpec { Name = "m.weight", Shape = [2, 2], Scale = 0.5f }, [0L, 1L, 2L, 3L], [1f, 2f, 3f, 4f]));
        string exported = Path.Combine(dir.Path, "m");
        PeftShiraExporter.Export(scaled, exported);
        using var f = SafetensorsFile.Open(Path.Combine(exported, "adapter_model.safetensors"));
        Assert.Equal([0.5f, 1f, 1.5f, 2f], f.ReadSingles("base_model.model.m.shira_weight"));
    }
}
