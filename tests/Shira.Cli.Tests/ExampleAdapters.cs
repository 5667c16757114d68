using Shira.Format;
using Shira.Format.Container;

namespace Shira.Cli.Tests;

/// <summary>Small deterministic adapters for CLI tests.</summary>
internal static class ExampleAdapters
{
    /// <summary>Two tensors sharing a random mask, one replace tensor with f16 values; deterministic bytes.</summary>
    public static void Write(string path)
    {
        var meta = new AdapterMetadata
        {
            Name = "example",
            Description = "CLI test adapter",
            BaseModel = "tiny-llama",
            Provenance = new Provenance { Tool = "shira-tests", ToolVersion = "1", Source = "generated", SourceFormat = "test" },
            Parameters = new Dictionary<string, string> { ["r"] = "2", ["mask_type"] = "random" },
        };
        var rng = new Random(7);
        long[] mask = Enumerable.Range(0, 64 * 64).Where(_ => rng.NextDouble() < 0.05).Select(i => (long)i).ToArray();
        float[] v1 = mask.Select((_, i) => (float)Math.Sin(i)).ToArray();
        float[] v2 = mask.Select((_, i) => (float)Math.Cos(i) / 8).ToArray();
        long[] bias = Enumerable.Range(0, 64).Select(i => (long)i).ToArray();
        float[] biasValues = bias.Select(i => i / 64f).ToArray();
        ShiraWriter.WriteFile(path, meta, w =>
        {
            var random = new MaskInfo { Strategy = MaskStrategy.Random, Seed = 42, Rank = 2, Density = 0.05 };
            w.AddTensor(new TensorSpec { Name = "layers.0.k_proj.weight", Shape = [64, 64], Mask = random, Scale = 2f }, mask, v1);
            w.AddTensor(new TensorSpec { Name = "layers.0.q_proj.weight", Shape = [64, 64], Mask = random, Scale = 2f }, mask, v2);
            w.AddTensor(new TensorSpec
            {
                Name = "layers.0.q_proj.zbias", Shape = [64], Semantics = Semantics.Replace, ValueDType = Format.ValueDType.F16,
                Mask = new MaskInfo { Strategy = MaskStrategy.Custom, Description = "dense replacement" },
            }, bias, biasValues);
        });
    }

    /// <summary>One small add tensor per layer (the file holds them in ordinal order: layers.10 before layers.2).</summary>
    public static void WriteLayers(string path, params int[] layers)
    {
        var meta = new AdapterMetadata { Name = "layers", Provenance = new Provenance { Tool = "shira-tests" } };
        ShiraWriter.WriteFile(path, meta, w =>
        {
            foreach (var name in layers.Select(l => $"model.layers.{l}.mlp.weight").Order(StringComparer.Ordinal))
                w.AddTensor(new TensorSpec { Name = name, Shape = [8, 8], Mask = new MaskInfo { Strategy = MaskStrategy.Random } },
                    [1L, 9L, 30L], [0.5f, -0.25f, 1f]);
        });
    }
}
