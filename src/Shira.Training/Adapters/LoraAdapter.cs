using System.Globalization;
using System.Text.Json;
using Shira.Format;
using Shira.Format.Safetensors;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Shira.Training;

/// <summary>
/// The LoRA baseline: attached to the same layers as SHiRA, trained by the same <see cref="Trainer"/>, saved as a
/// PEFT adapter folder (<c>adapter_config.json</c> + <c>adapter_model.safetensors</c> with
/// <c>base_model.model.&lt;module&gt;.lora_A.weight</c> [r, in] and <c>lora_B.weight</c> [out, r]).
/// </summary>
public sealed class LoraAdapter : ITrainableAdapter
{
    private readonly AdaptedLayers<LoraLayer> _layers;
    private readonly Parameter[] _parameters;

    private LoraAdapter(LoraConfig config, List<LoraLayer> layers)
    {
        Config = config;
        _layers = new(layers);
        _parameters = layers.SelectMany(l => new[] { l.A, l.B }).ToArray();
    }

    /// <summary>The configuration.</summary>
    public LoraConfig Config { get; }

    /// <summary>One entry per adapted layer, in model order.</summary>
    public IReadOnlyList<LoraLayer> Layers => _layers.All;

    /// <inheritdoc />
    public string Method => "lora";

    /// <inheritdoc />
    public IReadOnlyList<string> TargetModules => _layers.Names;

    /// <inheritdoc />
    public IReadOnlyList<Parameter> TrainableParameters => _parameters;

    /// <inheritdoc />
    public long TrainableParameterCount => _layers.All.Sum(l => (long)l.Rank * (l.Module.in_features + l.Module.out_features));

    /// <summary>Freezes <paramref name="model"/> and attaches LoRA to each targeted linear layer (layer i's A is
    /// drawn with seed <see cref="LoraConfig.Seed"/> + i).</summary>
    public static LoraAdapter Attach(nn.Module model, LoraConfig config)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(config);
        if (config.Rank <= 0) throw new ArgumentOutOfRangeException(nameof(config), $"LoRA rank must be positive, got {config.Rank}");
        if (!(config.Dropout >= 0 && config.Dropout < 1)) throw new ArgumentOutOfRangeException(nameof(config), $"LoRA dropout must be in [0, 1), got {config.Dropout}");
        var targets = TargetSelector.Find(model, config.TargetModules, config.TargetRegex);
        ShiraAdapter.Freeze(model);
        var layers = new List<LoraLayer>(targets.Count);
        for (int i = 0; i < targets.Count; i++)
            layers.Add(new LoraLayer(targets[i].Name, targets[i].Module, config.Rank, config.Scaling, config.Dropout,
                unchecked(config.Seed + (ulong)i)));
        return new LoraAdapter(config, layers);
    }

    /// <inheritdoc />
    public IReadOnlyDictionary<string, string> Describe() => new SortedDictionary<string, string>(StringComparer.Ordinal)
    {
        ["method"] = Method,
        ["r"] = Config.Rank.ToString(CultureInfo.InvariantCulture),
        ["lora_alpha"] = Config.Alpha.ToString("R", CultureInfo.InvariantCulture),
        ["lora_dropout"] = Config.Dropout.ToString("R", CultureInfo.InvariantCulture),
        ["init_seed"] = Config.Seed.ToString(CultureInfo.InvariantCulture),
        ["target_modules"] = string.Join(",", Config.TargetModules),
        ["trainable_parameters"] = TrainableParameterCount.ToString(CultureInfo.InvariantCulture),
    };

    /// <summary>Writes a PEFT LoRA folder at <paramref name="path"/> (created if needed; each file written
    /// atomically). Training parameters go to the safetensors <c>__metadata__</c>.</summary>
    public void Save(string path, AdapterExportInfo info)
    {
        ArgumentNullException.ThrowIfNull(path);
        ArgumentNullException.ThrowIfNull(info);
        try
        {
            Directory.CreateDirectory(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw ShiraErrors.IoError(path, e.Message, e);
        }

        var tensors = new List<SafetensorsTensorSource>();
        foreach (var layer in _layers.All)
        {
            string prefix = "base_model.model." + layer.Name;
            tensors.Add(Source(prefix + ".lora_A.weight", layer.A));
            tensors.Add(Source(prefix + ".lora_B.weight", layer.B));
        }
        tensors.Sort((x, y) => string.CompareOrdinal(x.Name, y.Name));
        var metadata = new SortedDictionary<string, string>(StringComparer.Ordinal) { ["format"] = "pt" };
        foreach (var (k, v) in Describe()) metadata["shira." + k] = v;
        foreach (var (k, v) in info.Parameters) metadata["shira." + k] = v;
        SafetensorsWriter.WriteFile(Path.Combine(path, "adapter_model.safetensors"), tensors, metadata);
        WriteConfig(Path.Combine(path, "adapter_config.json"), info);
    }

    /// <inheritdoc />
    public float[] EffectiveWeight(string module) => Layer(module).EffectiveWeight();

    /// <summary>The layer adapting <paramref name="module"/>.</summary>
    public LoraLayer Layer(string module) =>
        _layers.Find(module);

    /// <inheritdoc />
    public void Remove() => _layers.Remove();

    /// <inheritdoc />
    public void Dispose() => _layers.Dispose();

    private static SafetensorsTensorSource Source(string name, Tensor t)
    {
        using var scope = NewDisposeScope();
        var bytes = t.detach().cpu().contiguous().bytes.ToArray();
        return SafetensorsTensorSource.FromBytes(name, ShiraAdapter.ToDType(t.dtype), t.shape.ToArray(), bytes);
    }

    private void WriteConfig(string file, AdapterExportInfo info)
    {
        string temp = file + "." + Guid.NewGuid().ToString("N") + ".tmp";
        try
        {
            using (var stream = File.Create(temp))
            using (var json = new Utf8JsonWriter(stream, new JsonWriterOptions { Indented = true }))
            {
                json.WriteStartObject();
                json.WriteString("peft_type", "LORA");
                json.WriteString("task_type", "CAUSAL_LM");
                if (string.IsNullOrEmpty(info.BaseModel)) json.WriteNull("base_model_name_or_path");
                else json.WriteString("base_model_name_or_path", info.BaseModel);
                json.WriteNumber("r", Config.Rank);
                json.WriteNumber("lora_alpha", Config.Alpha);
                json.WriteNumber("lora_dropout", Config.Dropout);
                json.WriteString("bias", "none");
                json.WriteBoolean("fan_in_fan_out", false);
                json.WriteBoolean("use_rslora", false);
                json.WriteBoolean("use_dora", false);
                json.WriteBoolean("inference_mode", true);
                json.WriteBoolean("init_lora_weights", true);
                json.WriteNull("modules_to_save");
                json.WriteNull("layers_to_transform");
                json.WriteStartObject("rank_pattern");
                json.WriteEndObject();
                json.WriteStartObject("alpha_pattern");
                json.WriteEndObject();
                // PEFT applies a list with the suffix rule; with a regex we list the full names it matched.
                json.WriteStartArray("target_modules");
                foreach (var t in string.IsNullOrEmpty(Config.TargetRegex) ? Config.TargetModules : TargetModules)
                    json.WriteStringValue(t);
                json.WriteEndArray();
                json.WriteEndObject();
            }
            File.Move(temp, file, overwrite: true);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw ShiraErrors.IoError(file, e.Message, e);
        }
        finally
        {
            if (File.Exists(temp)) File.Delete(temp);
        }
    }
}
