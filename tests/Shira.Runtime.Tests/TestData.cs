using System.IO.Hashing;
using System.Runtime.InteropServices;
using Shira.Format;
using Shira.Format.Container;
using Shira.Format.Numerics;
using Shira.Format.Safetensors;
using Shira.Testing;

namespace Shira.Runtime.Tests;

/// <summary>An adapter tensor described in plain arrays (the independent truth the tests compute with).</summary>
internal sealed record AdapterTensor(string Name, long[] Shape, DType BaseDType, long[] Indices, float[] Values,
    Semantics Semantics = Semantics.Add, float Scale = 1f, ValueDType ValueDType = ValueDType.F32,
    IndexEncoding Encoding = IndexEncoding.Auto);

internal static class TestData
{
    public static string PeftLlama => Path.Combine(RepoPaths.Peft, "llama_tiny");

    public static ulong HashFile(string path) => XxHash3.HashToUInt64(File.ReadAllBytes(path));

    /// <summary>Writes a base with the given tensors (raw bytes) as one safetensors file.</summary>
    public static void WriteBase(string path, IEnumerable<(string Name, DType DType, long[] Shape, byte[] Bytes)> tensors) =>
        SafetensorsWriter.WriteFile(path, tensors.Select(t => SafetensorsTensorSource.FromBytes(t.Name, t.DType, t.Shape, t.Bytes)).ToList());

    public static void WriteAdapter(string path, IEnumerable<AdapterTensor> tensors, string name = "test",
        IReadOnlyList<BaseTensorFingerprint>? fingerprint = null)
    {
        var sorted = tensors.OrderBy(t => t.Name, StringComparer.Ordinal).ToList();
        ShiraWriter.WriteFile(path, new AdapterMetadata { Name = name, BaseFingerprint = fingerprint ?? [] }, w =>
        {
            foreach (var t in sorted)
                w.AddTensor(new TensorSpec
                {
                    Name = t.Name, Shape = t.Shape, BaseDType = t.BaseDType, Semantics = t.Semantics, Scale = t.Scale,
                    ValueDType = t.ValueDType, IndexEncoding = t.Encoding,
                }, t.Indices, t.Values);
        });
    }

    /// <summary>Random raw elements of a float dtype: finite, mixed magnitudes (so rounding matters).</summary>
    public static byte[] RandomTensor(Random rng, DType dtype, long numel)
    {
        var f = new float[numel];
        for (long i = 0; i < numel; i++) f[i] = (float)((rng.NextDouble() * 2 - 1) * Math.Pow(2, rng.Next(-6, 3)));
        return Encode(f, dtype);
    }

    public static byte[] Encode(float[] f, DType dtype)
    {
        var bytes = new byte[f.Length * dtype.ByteSize()];
        FloatSpans.FromSingle(f, ValueDTypes.FromDType(dtype)!.Value, bytes);
        return bytes;
    }

    public static float[] Decode(ReadOnlySpan<byte> bytes, DType dtype)
    {
        var f = new float[bytes.Length / dtype.ByteSize()];
        FloatSpans.ToSingle(bytes, ValueDTypes.FromDType(dtype)!.Value, f);
        return f;
    }

    /// <summary>Sorted distinct random positions.</summary>
    public static long[] RandomIndices(Random rng, long numel, int count)
    {
        var set = new SortedSet<long>();
        count = (int)Math.Min(count, numel);
        while (set.Count < count) set.Add((long)(rng.NextDouble() * numel));
        return [.. set];
    }

    public static float[] RandomValues(Random rng, int count)
    {
        var v = new float[count];
        for (int i = 0; i < count; i++) v[i] = (float)((rng.NextDouble() * 2 - 1) * 0.05);
        return v;
    }

    /// <summary>Independent reference of one apply: f32(W) + f32(s·v) rounded once to the base dtype, element by element.</summary>
    public static byte[] ReferenceApply(byte[] baseBytes, DType dtype, AdapterTensor t, float userScale)
    {
        var w = Decode(baseBytes, dtype);
        var vt = t.ValueDType;
        for (int k = 0; k < t.Indices.Length; k++)
        {
            // The stored value is the input rounded to the value type.
            float v = RoundTo(t.Values[k], vt);
            long i = t.Indices[k];
            w[i] = t.Semantics == Semantics.Replace ? v : w[i] + (t.Scale * userScale) * v;
        }
        // Only touched positions are rounded; others keep their exact bits.
        var result = (byte[])baseBytes.Clone();
        var one = new float[1];
        var oneBytes = new byte[dtype.ByteSize()];
        foreach (var i in t.Indices)
        {
            one[0] = w[i];
            FloatSpans.FromSingle(one, ValueDTypes.FromDType(dtype)!.Value, oneBytes);
            oneBytes.CopyTo(result.AsSpan((int)i * dtype.ByteSize()));
        }
        return result;
    }

    public static float RoundTo(float v, ValueDType t) => t switch
    {
        ValueDType.F16 => FloatBits.F16ToSingle(FloatBits.SingleToF16(v)),
        ValueDType.BF16 => FloatBits.BF16ToSingle(FloatBits.SingleToBF16(v)),
        _ => v,
    };

    /// <summary>
    /// Builds a .shira from PEFT's SHiRA adapter: <c>shira_indices</c> int32 [2, nnz] (row, col) become flat
    /// row·cols + col; the target is the module name without PEFT's <c>base_model.model.</c> prefix plus
    /// <c>.weight</c>; values are PEFT's f32 <c>shira_weight</c>, scale 1 (PEFT's SHiRA scaling is 1.0).
    /// </summary>
    public static void PeftShiraToShira(string adapterDir, string basePath, string output)
    {
        using var peft = SafetensorsFile.Open(Path.Combine(adapterDir, "adapter_model.safetensors"));
        using var baseFile = SafetensorsFile.Open(basePath);
        var tensors = new List<AdapterTensor>();
        foreach (var t in peft.Tensors)
        {
            if (!t.Name.EndsWith(".shira_indices", StringComparison.Ordinal)) continue;
            string module = t.Name[..^".shira_indices".Length];
            string target = module["base_model.model.".Length..] + ".weight";
            Assert.True(baseFile.TryGetTensor(target, out var bt));
            long cols = bt.Shape[1];
            var rc = MemoryMarshal.Cast<byte, int>(peft.GetBytes(t));
            int nnz = rc.Length / 2;
            var flat = new long[nnz];
            for (int k = 0; k < nnz; k++) flat[k] = rc[k] * cols + rc[nnz + k];
            var values = peft.ReadSingles(module + ".shira_weight");
            // PEFT sorts row-major; a .shira needs strictly increasing positions.
            Array.Sort(flat, values);
            tensors.Add(new AdapterTensor(target, [.. bt.Shape], bt.DType, flat, values));
        }
        WriteAdapter(output, tensors, "peft-shira");
    }

    /// <summary>Compares every tensor of two safetensors files bit for bit; returns the names that differ.</summary>
    public static List<string> DifferentTensors(string a, string b)
    {
        using var fa = SafetensorsFile.Open(a);
        using var fb = SafetensorsFile.Open(b);
        var diff = new List<string>();
        Assert.Equal(fa.Tensors.Select(t => t.Name).Order(StringComparer.Ordinal), fb.Tensors.Select(t => t.Name).Order(StringComparer.Ordinal));
        foreach (var t in fa.Tensors)
        {
            Assert.True(fb.TryGetTensor(t.Name, out var u));
            Assert.Equal(t.DType, u.DType);
            if (!fa.GetBytes(t).SequenceEqual(fb.GetBytes(u))) diff.Add(t.Name);
        }
        return diff;
    }
}
