using Shira.Format;
using Shira.Format.Safetensors;
using Shira.Runtime;
using Shira.Testing;

namespace Shira.Convert.Tests;

/// <summary>Paths into fixtures/peft and helpers that compare merged checkpoints.</summary>
internal static class Fixtures
{
    public static string Llama(string part) => Path.Combine(RepoPaths.Peft, "llama_tiny", part);
    public static string Gpt2(string part) => Path.Combine(RepoPaths.Peft, "gpt2_tiny", part);
    public static string LlamaBase(string suffix = "") => Llama($"base/model{suffix}.safetensors");

    /// <summary>Applies <paramref name="adapter"/> to <paramref name="basePath"/> with the runtime and returns the merged file.</summary>
    public static string Apply(TempDir dir, string basePath, string adapter, string name = "merged.safetensors")
    {
        string output = dir.File(name);
        AdapterMerge.ApplyToCopy(basePath, [(adapter, 1f)], output);
        return output;
    }

    /// <summary>Asserts two checkpoints hold the same tensors with identical bytes.</summary>
    public static void AssertBitIdentical(string expected, string actual)
    {
        using var e = SafetensorsFile.Open(expected);
        using var a = SafetensorsFile.Open(actual);
        Assert.Equal(e.Tensors.Select(t => t.Name).OrderBy(n => n, StringComparer.Ordinal), a.Tensors.Select(t => t.Name).OrderBy(n => n, StringComparer.Ordinal));
        foreach (var t in e.Tensors)
        {
            Assert.True(a.TryGetTensor(t.Name, out var at), t.Name);
            Assert.Equal(t.DType, at.DType);
            Assert.True(e.GetBytes(t).SequenceEqual(a.GetBytes(at)), $"tensor {t.Name} differs");
        }
    }

    /// <summary>Per checkpoint: the largest |expected − actual| relative to max |expected| of the tensor, and counts.</summary>
    public static (double MaxRelative, long Differ, long Total) Compare(string expected, string actual)
    {
        using var e = SafetensorsFile.Open(expected);
        using var a = SafetensorsFile.Open(actual);
        double worst = 0;
        long differ = 0, total = 0;
        foreach (var t in e.Tensors)
        {
            var ev = e.ReadSingles(t.Name);
            var av = a.ReadSingles(t.Name);
            Assert.Equal(ev.Length, av.Length);
            double scale = 0;
            foreach (var x in ev) scale = Math.Max(scale, Math.Abs(x));
            for (int i = 0; i < ev.Length; i++)
            {
                total++;
                if (BitConverter.SingleToInt32Bits(ev[i]) == BitConverter.SingleToInt32Bits(av[i])) continue;
                differ++;
                worst = Math.Max(worst, Math.Abs(ev[i] - av[i]) / Math.Max(scale, 1e-30));
            }
        }
        return (worst, differ, total);
    }

    /// <summary>The number of positions whose 16-bit values differ by more than <paramref name="ulps"/> units in the last place.</summary>
    public static (long OverUlps, long Differ, long Total) CompareHalf(string expected, string actual, int ulps)
    {
        using var e = SafetensorsFile.Open(expected);
        using var a = SafetensorsFile.Open(actual);
        long over = 0, differ = 0, total = 0;
        foreach (var t in e.Tensors)
        {
            Assert.True(t.DType is DType.BF16 or DType.F16);
            var eb = e.GetBytes(t);
            Assert.True(a.TryGetTensor(t.Name, out var at));
            var ab = a.GetBytes(at);
            for (int i = 0; i + 1 < eb.Length; i += 2)
            {
                total++;
                short x = (short)(eb[i] | (eb[i + 1] << 8)), y = (short)(ab[i] | (ab[i + 1] << 8));
                if (x == y) continue;
                differ++;
                // Sign-magnitude to a monotone integer line, so adjacent representable values differ by 1.
                int ox = x < 0 ? -(x & 0x7FFF) : x, oy = y < 0 ? -(y & 0x7FFF) : y;
                if (Math.Abs(ox - oy) > ulps) over++;
            }
        }
        return (over, differ, total);
    }

    /// <summary>Copies an adapter folder so a test can change it.</summary>
    public static string CopyAdapter(TempDir dir, string source, string name)
    {
        string target = Path.Combine(dir.Path, name);
        Directory.CreateDirectory(target);
        foreach (var f in Directory.GetFiles(source))
            if (f.EndsWith(".json", StringComparison.Ordinal) || f.EndsWith("adapter_model.safetensors", StringComparison.Ordinal))
                File.Copy(f, Path.Combine(target, Path.GetFileName(f)));
        return target;
    }

    /// <summary>Rewrites adapter_model.safetensors with <paramref name="map"/> applied to each tensor (null drops it).</summary>
    public static void RewriteWeights(string folder, Func<SafetensorsTensorInfo, byte[], SafetensorsTensorSource?> map)
    {
        string path = Path.Combine(folder, "adapter_model.safetensors");
        var sources = new List<SafetensorsTensorSource>();
        using (var f = SafetensorsFile.Open(path))
        {
            foreach (var t in f.Tensors)
            {
                var s = map(t, f.GetBytes(t).ToArray());
                if (s is not null) sources.Add(s);
            }
        }
        SafetensorsWriter.WriteFile(path, sources, new Dictionary<string, string> { ["format"] = "pt" });
    }

    /// <summary>Replaces a JSON property in the folder's adapter_config.json (value is raw JSON text).</summary>
    public static void SetConfig(string folder, string key, string? rawJson)
    {
        string path = Path.Combine(folder, "adapter_config.json");
        var node = System.Text.Json.Nodes.JsonNode.Parse(File.ReadAllText(path))!.AsObject();
        if (rawJson is null) node.Remove(key);
        else node[key] = System.Text.Json.Nodes.JsonNode.Parse(rawJson);
        File.WriteAllText(path, node.ToJsonString());
    }
}
