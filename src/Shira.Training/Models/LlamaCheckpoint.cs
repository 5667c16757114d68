using System.Runtime.InteropServices;
using Shira.Format;
using Shira.Format.Safetensors;
using static TorchSharp.torch;

namespace Shira.Training.Models;

/// <summary>
/// Loads and saves <see cref="LlamaForCausalLM"/> weights as safetensors with Hugging Face tensor names. The config
/// travels with the weights: in the file's <c>__metadata__</c> under <see cref="ConfigMetadataKey"/> and as a sibling
/// <c>config.json</c>, so both our own files and Hugging Face checkpoint folders open without extra arguments.
/// </summary>
public static class LlamaCheckpoint
{
    /// <summary>The <c>__metadata__</c> key holding the config JSON in files this class writes.</summary>
    public const string ConfigMetadataKey = "shira.llama_config";

    /// <summary>
    /// Opens a checkpoint (a safetensors file, a sharded index or a folder) and builds the model. The config is
    /// <paramref name="config"/> when given, else the file's metadata, else <c>config.json</c> next to the file
    /// (or inside the folder). Every parameter must be present with its exact shape; other tensors (such as old
    /// rotary <c>inv_freq</c> buffers) are ignored. Values of any float dtype are widened to f32.
    /// </summary>
    public static LlamaForCausalLM Load(string path, LlamaConfig? config = null)
    {
        using var checkpoint = SafetensorsCheckpoint.Open(path);
        config ??= ReadConfig(checkpoint, path);
        var model = new LlamaForCausalLM(config);
        try
        {
            CopyInto(model, checkpoint);
        }
        catch
        {
            model.Dispose();
            throw;
        }
        return model;
    }

    /// <summary>Copies every parameter of <paramref name="model"/> from <paramref name="checkpoint"/>.</summary>
    public static void CopyInto(nn.Module model, SafetensorsCheckpoint checkpoint)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(checkpoint);
        using var noGrad = no_grad();
        foreach (var (name, parameter) in model.named_parameters())
        {
            if (!checkpoint.TryGetTensor(name, out var file, out var info))
                throw ShiraErrors.SafetensorsTensorNotFound($"the checkpoint has no tensor '{name}'", checkpoint.Path, name);
            if (!info.Shape.SequenceEqual(parameter.shape))
            {
                throw ShiraErrors.BaseShapeMismatch($"tensor '{name}' has shape [{string.Join(", ", info.Shape)}], the model expects [{string.Join(", ", parameter.shape)}]",
                    file.FilePath, name);
            }
            var values = file.ReadSingles(info);
            using var source = tensor(values, parameter.shape);
            parameter.copy_(source);
        }
    }

    /// <summary>Writes the model's weights as f32 safetensors (atomically) and a sibling <c>config.json</c> when
    /// <paramref name="writeConfigJson"/> is set. Tensors are written in ordinal name order;
    /// <paramref name="extraMetadata"/> entries join the file's <c>__metadata__</c>.</summary>
    public static void Save(LlamaForCausalLM model, string path, bool writeConfigJson = false,
        IReadOnlyDictionary<string, string>? extraMetadata = null)
    {
        ArgumentNullException.ThrowIfNull(model);
        var sources = new List<SafetensorsTensorSource>();
        foreach (var (name, bytes, shape) in Snapshot(model))
            sources.Add(SafetensorsTensorSource.FromBytes(name, DType.F32, shape, bytes));
        var metadata = new Dictionary<string, string>
        {
            ["format"] = "pt",
            [ConfigMetadataKey] = model.Config.ToJson(),
        };
        if (extraMetadata is not null) foreach (var (k, v) in extraMetadata) metadata[k] = v;
        SafetensorsWriter.WriteFile(path, sources, metadata);
        if (writeConfigJson)
        {
            var dir = Path.GetDirectoryName(Path.GetFullPath(path)) ?? ".";
            File.WriteAllText(Path.Combine(dir, "config.json"), model.Config.ToJson());
        }
    }

    /// <summary>Every parameter as (name, little-endian f32 bytes, shape), ordinal-sorted by name.</summary>
    public static IReadOnlyList<(string Name, byte[] Bytes, long[] Shape)> Snapshot(nn.Module model)
    {
        ArgumentNullException.ThrowIfNull(model);
        if (!BitConverter.IsLittleEndian) throw new PlatformNotSupportedException("safetensors output needs a little-endian host");
        var list = new List<(string, byte[], long[])>();
        foreach (var (name, parameter) in model.named_parameters())
        {
            using var values = parameter.detach().to_type(ScalarType.Float32).contiguous();
            var floats = values.data<float>().ToArray();
            list.Add((name, MemoryMarshal.AsBytes(floats.AsSpan()).ToArray(), parameter.shape));
        }
        list.Sort((a, b) => string.CompareOrdinal(a.Item1, b.Item1));
        return list;
    }

    /// <summary>The config of a checkpoint: its metadata entry, else <c>config.json</c> beside it.</summary>
    public static LlamaConfig ReadConfig(SafetensorsCheckpoint checkpoint, string path)
    {
        ArgumentNullException.ThrowIfNull(checkpoint);
        foreach (var file in checkpoint.Files)
            if (file.Header.Metadata.TryGetValue(ConfigMetadataKey, out var json)) return LlamaConfig.FromJson(json, file.FilePath);
        var dir = Directory.Exists(path) ? path : Path.GetDirectoryName(Path.GetFullPath(path)) ?? ".";
        var configPath = Path.Combine(dir, "config.json");
        if (File.Exists(configPath)) return LlamaConfig.Load(configPath);
        throw ShiraErrors.IoError(configPath, $"the checkpoint '{path}' has no LLaMA config: neither a '{ConfigMetadataKey}' metadata entry nor this config.json");
    }
}
