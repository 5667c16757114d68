using System.Globalization;
using System.Text.Json.Nodes;
using Shira.Format;
using Shira.Format.Safetensors;
using Shira.Training.Models;
using static TorchSharp.torch;

namespace Shira.Training.Jobs;

/// <summary>
/// Merges PEFT LoRA folders into a model the way PEFT's <c>merge_and_unload</c> does: W += (alpha / r)·B·A per
/// module. Several folders merged into one model is LoRA's fusion (the deltas are summed).
/// </summary>
public static class LoraDeltas
{
    /// <summary>Adds the delta of every LoRA folder in <paramref name="folders"/> to the matching weights.</summary>
    public static void MergeInto(LlamaForCausalLM model, IReadOnlyList<string> folders)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(folders);
        var weights = model.named_parameters().ToDictionary(p => p.name, p => p.parameter, StringComparer.Ordinal);
        using var noGrad = no_grad();
        foreach (var folder in folders)
        {
            var (r, alpha) = ReadConfig(Path.Combine(folder, "adapter_config.json"));
            double scaling = alpha / r;
            using var file = SafetensorsFile.Open(Path.Combine(folder, "adapter_model.safetensors"));
            foreach (var a in file.Tensors)
            {
                const string Prefix = "base_model.model.", Suffix = ".lora_A.weight";
                if (!a.Name.StartsWith(Prefix, StringComparison.Ordinal) || !a.Name.EndsWith(Suffix, StringComparison.Ordinal)) continue;
                string module = a.Name[Prefix.Length..^Suffix.Length];
                string bName = Prefix + module + ".lora_B.weight";
                if (!file.TryGetTensor(bName, out var b))
                    throw ShiraErrors.PeftBadTensors($"lora_A without lora_B for {module}", file.FilePath, a.Name);
                if (!weights.TryGetValue(module + ".weight", out var w))
                    throw ShiraErrors.BaseTensorMissing($"the model has no {module}.weight", file.FilePath, a.Name);
                using var scope = NewDisposeScope();
                var aT = tensor(file.ReadSingles(a), a.Shape.ToArray());
                var bT = tensor(file.ReadSingles(b), b.Shape.ToArray());
                w.add_(bT.matmul(aT).mul(scaling));
            }
        }
    }

    private static (double R, double Alpha) ReadConfig(string path)
    {
        try
        {
            var o = JsonNode.Parse(File.ReadAllText(path)) as JsonObject;
            double r = o?["r"]?.GetValue<double>() ?? 0, alpha = o?["lora_alpha"]?.GetValue<double>() ?? 0;
            if (r > 0 && alpha > 0) return (r, alpha);
        }
        catch (Exception e) when (e is System.Text.Json.JsonException or InvalidOperationException or FormatException)
        {
            throw ShiraErrors.PeftBadConfig("adapter_config.json is malformed: " + e.Message, path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw ShiraErrors.IoError(path, e.Message, e);
        }
        throw ShiraErrors.PeftBadConfig(string.Create(CultureInfo.InvariantCulture, $"adapter_config.json needs positive r and lora_alpha"), path);
    }
}
