using Shira.Format;
using Shira.Format.Safetensors;

namespace Shira.Convert.Peft;

/// <summary>
/// A PEFT adapter folder (<c>adapter_config.json</c> + <c>adapter_model.safetensors</c>) opened for conversion: the
/// config is checked, every tensor key is classified, and the tensors are grouped by module. Pickle weights
/// (<c>adapter_model.bin</c>) are refused: loading them would mean executing code from the file.
/// </summary>
internal sealed class PeftAdapterFolder : IDisposable
{
    /// <summary>The config file name PEFT writes.</summary>
    public const string ConfigFileName = "adapter_config.json";
    /// <summary>The weights file name PEFT writes.</summary>
    public const string WeightsFileName = "adapter_model.safetensors";

    private readonly List<PeftModuleTensors> _modules;
    private readonly List<PeftDenseTensor> _dense;
    private readonly List<PeftDenseTensor> _baseCopies;

    private PeftAdapterFolder(string dir, PeftConfig config, SafetensorsFile weights, List<PeftModuleTensors> modules, List<PeftDenseTensor> dense,
        List<PeftDenseTensor> baseCopies)
    {
        Directory = dir;
        Config = config;
        Weights = weights;
        _modules = modules;
        _dense = dense;
        _baseCopies = baseCopies;
    }

    /// <summary>The folder.</summary>
    public string Directory { get; }
    /// <summary>The checked config.</summary>
    public PeftConfig Config { get; }
    /// <summary>The adapter weights.</summary>
    public SafetensorsFile Weights { get; }
    /// <summary>Adapted module names, ordinal-sorted.</summary>
    public IReadOnlyList<string> ModuleNames => _modules.Select(m => m.Module).ToArray();
    /// <summary>Base tensor names replaced by full tensors from the file (modules_to_save, heads, biases).</summary>
    public IReadOnlyList<string> DenseTargets => _dense.Select(d => d.Target).ToArray();

    internal IReadOnlyList<PeftModuleTensors> Modules => _modules;
    internal IReadOnlyList<PeftDenseTensor> Dense => _dense;
    /// <summary>Copies of base tensors saved with the adapter (an embedding's base_layer): checked, never written.</summary>
    internal IReadOnlyList<PeftDenseTensor> BaseCopies => _baseCopies;

    /// <summary>Opens a folder (or the path of its adapter_config.json).</summary>
    public static PeftAdapterFolder Open(string path)
    {
        string dir = File.Exists(path) && Path.GetFileName(path) == ConfigFileName ? Path.GetDirectoryName(Path.GetFullPath(path))! : path;
        if (!System.IO.Directory.Exists(dir))
            throw File.Exists(dir)
                ? ShiraErrors.PeftMissingFiles($"'{path}' is a file, not a PEFT adapter folder", path)
                : ShiraErrors.IoError(path, "it does not exist");
        string configPath = Path.Combine(dir, ConfigFileName);
        string weightsPath = Path.Combine(dir, WeightsFileName);
        if (!File.Exists(configPath))
            throw ShiraErrors.PeftMissingFiles($"no {ConfigFileName} in '{dir}'", dir);
        if (!File.Exists(weightsPath))
        {
            string bin = Path.Combine(dir, "adapter_model.bin");
            string why = File.Exists(bin)
                ? "the adapter weights are a pickle file (adapter_model.bin); pickle can execute code when loaded, so it is refused. " +
                  "Re-save with PEFT's save_pretrained(..., safe_serialization=True) to get adapter_model.safetensors"
                : $"no {WeightsFileName} in '{dir}'";
            throw ShiraErrors.PeftMissingFiles(why, File.Exists(bin) ? bin : dir);
        }

        var config = PeftConfig.Load(configPath);
        var weights = SafetensorsFile.Open(weightsPath);
        try
        {
            Group(weights, config, weightsPath, out var modules, out var dense, out var copies);
            return new PeftAdapterFolder(dir, config, weights, modules, dense, copies);
        }
        catch
        {
            weights.Dispose();
            throw;
        }
    }

    private static void Group(SafetensorsFile weights, PeftConfig config, string file, out List<PeftModuleTensors> modules,
        out List<PeftDenseTensor> dense, out List<PeftDenseTensor> copies)
    {
        var byModule = new Dictionary<string, PeftModuleTensors>(StringComparer.Ordinal);
        var denseByTarget = new Dictionary<string, PeftDenseTensor>(StringComparer.Ordinal);
        var copyByTarget = new Dictionary<string, PeftDenseTensor>(StringComparer.Ordinal);
        string? adapterName = null;
        foreach (var t in weights.Tensors)
        {
            var key = PeftKey.Parse(t.Name, file);
            if (key.AdapterName is not null)
            {
                if (adapterName is not null && adapterName != key.AdapterName)
                    throw ShiraErrors.PeftUnsupported($"the file holds several adapters ('{adapterName}', '{key.AdapterName}'); save them separately", file, t.Name);
                adapterName = key.AdapterName;
            }
            // With bias "all"/"lora_only" the base layers' biases are trained: <module>.base_layer.bias is then the
            // trained bias (a replacement), not a copy of the base.
            if (key.Role == PeftTensorRole.BaseCopy && config.Bias != "none" && key.Target.EndsWith(".bias", StringComparison.Ordinal))
                key = key with { Role = PeftTensorRole.Dense };
            if (key.Role is PeftTensorRole.Dense or PeftTensorRole.BaseCopy)
            {
                var into = key.Role == PeftTensorRole.Dense ? denseByTarget : copyByTarget;
                // PEFT can save one modules_to_save tensor under two keys (lm_head.weight and, through
                // save_embedding_layers, lm_head.modules_to_save.weight); identical copies are one tensor.
                if (!into.TryAdd(key.Target, new PeftDenseTensor(key.Target, t)) && !SameTensor(weights, into[key.Target].Tensor, t))
                    throw Dup(file, t.Name, key.Target);
                continue;
            }
            if (!byModule.TryGetValue(key.Module, out var m)) byModule[key.Module] = m = new PeftModuleTensors(key.Module);
            switch (key.Role)
            {
                case PeftTensorRole.LoraA: Set(m.A, file, t); m.A = t; break;
                case PeftTensorRole.LoraB: Set(m.B, file, t); m.B = t; break;
                case PeftTensorRole.LoraBBias: Set(m.BBias, file, t); m.BBias = t; break;
                case PeftTensorRole.EmbeddingA: Set(m.EmbeddingA, file, t); m.EmbeddingA = t; break;
                case PeftTensorRole.EmbeddingB: Set(m.EmbeddingB, file, t); m.EmbeddingB = t; break;
                case PeftTensorRole.Magnitude: Set(m.Magnitude, file, t); m.Magnitude = t; break;
                case PeftTensorRole.ShiraWeight: Set(m.ShiraWeight, file, t); m.ShiraWeight = t; break;
                case PeftTensorRole.ShiraIndices: Set(m.ShiraIndices, file, t); m.ShiraIndices = t; break;
            }
        }

        modules = byModule.Values.OrderBy(m => m.Module, StringComparer.Ordinal).ToList();
        dense = denseByTarget.Values.OrderBy(d => d.Target, StringComparer.Ordinal).ToList();
        copies = copyByTarget.Values.OrderBy(d => d.Target, StringComparer.Ordinal).ToList();
        foreach (var m in modules) Check(m, config, file);
        if (modules.Count == 0 && dense.Count == 0)
            throw ShiraErrors.PeftBadTensors("the adapter file holds no tensors", file);
    }

    private static void Check(PeftModuleTensors m, PeftConfig config, string file)
    {
        bool lora = m.A is not null || m.B is not null || m.EmbeddingA is not null || m.EmbeddingB is not null || m.BBias is not null || m.Magnitude is not null;
        bool shira = m.ShiraWeight is not null || m.ShiraIndices is not null;
        if (config.Type == PeftType.Shira)
        {
            if (lora) throw BadT(file, m.Module, "a SHIRA adapter holds LoRA tensors");
            if (m.ShiraWeight is null || m.ShiraIndices is null)
                throw BadT(file, m.Module, "shira_weight and shira_indices must both be present");
            return;
        }
        if (shira) throw BadT(file, m.Module, "a LORA adapter holds SHiRA tensors");
        bool linear = m.A is not null || m.B is not null;
        if (linear && m.IsEmbedding) throw BadT(file, m.Module, "both lora_A/B and lora_embedding_A/B are present");
        if (linear && (m.A is null || m.B is null)) throw BadT(file, m.Module, "lora_A and lora_B must both be present");
        if (m.IsEmbedding && (m.EmbeddingA is null || m.EmbeddingB is null))
            throw BadT(file, m.Module, "lora_embedding_A and lora_embedding_B must both be present");
        if (!linear && !m.IsEmbedding) throw BadT(file, m.Module, "lora_B.bias or lora_magnitude_vector without lora_A/lora_B");
        if (m.Magnitude is not null && !config.UseDora)
            throw BadT(file, m.Module, "lora_magnitude_vector present but use_dora is false in the config");
        if (config.UseDora && m.Magnitude is null)
            throw BadT(file, m.Module, "use_dora is true but lora_magnitude_vector is missing");
    }

    private static bool SameTensor(SafetensorsFile file, SafetensorsTensorInfo a, SafetensorsTensorInfo b) =>
        a.DType == b.DType && a.Shape.SequenceEqual(b.Shape) && file.GetBytes(a).SequenceEqual(file.GetBytes(b));

    private static void Set(object? existing, string file, SafetensorsTensorInfo t)
    {
        if (existing is not null) throw BadT(file, t.Name, "appears twice (under different adapter-name spellings)");
    }

    private static ShiraException Dup(string file, string key, string target) =>
        ShiraErrors.PeftBadTensors($"two tensors map to base tensor '{target}'", file, key);

    private static ShiraException BadT(string file, string tensor, string message) =>
        ShiraErrors.PeftBadTensors($"module '{tensor}': {message}", file, tensor);

    /// <inheritdoc />
    public void Dispose() => Weights.Dispose();
}
