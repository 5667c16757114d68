using System.Buffers.Binary;
using Shira.Format;
using Shira.Format.Numerics;
using Shira.Format.Safetensors;
using Shira.Testing;

namespace Shira.Convert.Tests;

/// <summary>Builds PEFT-shaped adapter folders and bases in tests, with PEFT 0.20's key names (after its
/// save_pretrained removes the adapter name): <c>base_model.model.&lt;module&gt;.lora_A.weight</c>,
/// <c>…lora_embedding_A</c>, <c>…&lt;embedding&gt;.base_layer.weight</c>, <c>…&lt;module&gt;.weight</c> for modules_to_save.</summary>
internal static class PeftBuilder
{
    public static float[] Random(int seed, int n, float scale = 0.1f)
    {
        var rng = new Random(seed);
        var v = new float[n];
        for (int i = 0; i < n; i++) v[i] = (float)(rng.NextDouble() * 2 - 1) * scale;
        return v;
    }

    public static SafetensorsTensorSource F32(string name, IReadOnlyList<long> shape, float[] v)
    {
        var b = new byte[v.Length * 4];
        for (int i = 0; i < v.Length; i++) BinaryPrimitives.WriteSingleLittleEndian(b.AsSpan(4 * i), v[i]);
        return SafetensorsTensorSource.FromBytes(name, DType.F32, shape, b);
    }

    public static SafetensorsTensorSource BF16(string name, IReadOnlyList<long> shape, float[] v)
    {
        var b = new byte[v.Length * 2];
        for (int i = 0; i < v.Length; i++) BinaryPrimitives.WriteUInt16LittleEndian(b.AsSpan(2 * i), FloatBits.SingleToBF16(v[i]));
        return SafetensorsTensorSource.FromBytes(name, DType.BF16, shape, b);
    }

    public static string Folder(TempDir dir, string name, string config, params SafetensorsTensorSource[] tensors)
    {
        string folder = Path.Combine(dir.Path, name);
        Directory.CreateDirectory(folder);
        File.WriteAllText(Path.Combine(folder, "adapter_config.json"), config);
        SafetensorsWriter.WriteFile(Path.Combine(folder, "adapter_model.safetensors"), tensors, new Dictionary<string, string> { ["format"] = "pt" });
        return folder;
    }

    public static string Base(TempDir dir, string name, params SafetensorsTensorSource[] tensors)
    {
        string path = dir.File(name);
        SafetensorsWriter.WriteFile(path, tensors);
        return path;
    }
}
