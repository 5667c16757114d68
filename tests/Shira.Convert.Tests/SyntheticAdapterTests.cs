using System.Buffers.Binary;
using Shira.Convert.Selection;
using Shira.Format;
using Shira.Format.Numerics;
using Shira.Format.Safetensors;
using Shira.Testing;

namespace Shira.Convert.Tests;

/// <summary>LoRA features no PEFT fixture covers (embedding LoRA, lora_B.bias, dense heads, F16 storage), checked
/// against a direct double-precision evaluation of PEFT's merge formulas.</summary>
public class SyntheticAdapterTests
{
    private static readonly Random Rng = new(7);

    private static float[] RandomValues(int n, float scale = 0.1f)
    {
        var v = new float[n];
        for (int i = 0; i < n; i++) v[i] = (float)(Rng.NextDouble() * 2 - 1) * scale;
        return v;
    }

    private static SafetensorsTensorSource F32(string name, IReadOnlyList<long> shape, float[] v)
    {
        var b = new byte[v.Length * 4];
        for (int i = 0; i < v.Length; i++) BinaryPrimitives.WriteSingleLittleEndian(b.AsSpan(4 * i), v[i]);
        return SafetensorsTensorSource.FromBytes(name, DType.F32, shape, b);
    }

    private static SafetensorsTensorSource F16(string name, IReadOnlyList<long> shape, float[] v)
    {
        var b = new byte[v.Length * 2];
        for (int i = 0; i < v.Length; i++) BinaryPrimitives.WriteUInt16LittleEndian(b.AsSpan(2 * i), FloatBits.SingleToF16(v[i]));
        return SafetensorsTensorSource.FromBytes(name, DType.F16, shape, b);
    }

    private static string Folder(TempDir dir, string config, params SafetensorsTensorSource[] tensors)
    {
        string folder = Path.Combine(dir.Path, "adapter");
        Directory.CreateDirectory(folder);
        File.WriteAllText(Path.Combine(folder, "adapter_config.json"), config);
        SafetensorsWriter.WriteFile(Path.Combine(folder, "adapter_model.safetensors"), tensors, new Dictionary<string, string> { ["format"] = "pt" });
        return folder;
    }

    private static float[] Merged(TempDir dir, string basePath, string adapter, string tensor)
    {
        string shira = dir.File(Guid.NewGuid().ToString("N") + ".shira");
        PeftConverter.Convert(adapter, shira, new ConvertOptions { BasePath = basePath, Mode = SparsifyMode.Density, Density = 1 });
        using var f = SafetensorsFile.Open(Fixtures.Apply(dir, basePath, shira, Guid.NewGuid().ToString("N") + ".safetensors"));
        return f.ReadSingles(tensor);
    }

    [Fact]
    public void Embedding_lora_adds_the_transposed_product_and_bias_and_dense_heads_apply()
    {
        using var dir = new TempDir();
        const int vocab = 11, dim = 6, r = 2, outF = 5;
        var emb = RandomValues(vocab * dim, 1);
        var lin = RandomValues(outF * dim, 1);
        var linBias = RandomValues(outF, 1);
        var head = RandomValues(3 * dim, 1);
        string basePath = dir.File("base.safetensors");
        SafetensorsWriter.WriteFile(basePath, [F32("emb.weight", [vocab, dim], emb), F32("lin.weight", [outF, dim], lin),
            F32("lin.bias", [outF], linBias), F32("head.weight", [3, dim], head)]);

        var ea = RandomValues(r * vocab); var eb = RandomValues(dim * r);
        var la = RandomValues(r * dim); var lb = RandomValues(outF * r); var lbias = RandomValues(outF);
        var newHead = RandomValues(3 * dim);
        string adapter = Folder(dir, """{"peft_type":"LORA","r":2,"lora_alpha":6,"lora_bias":true,"target_modules":["emb","lin"],"modules_to_save":null}""",
            F32("base_model.model.emb.lora_embedding_A", [r, vocab], ea), F32("base_model.model.emb.lora_embedding_B", [dim, r], eb),
            F32("base_model.model.lin.lora_A.weight", [r, dim], la), F32("base_model.model.lin.lora_B.weight", [outF, r], lb),
            F32("base_model.model.lin.lora_B.bias", [outF], lbias), F32("base_model.model.head.weight", [3, dim], newHead));
        const double scaling = 3; // alpha / r

        var e = Merged(dir, basePath, adapter, "emb.weight");
        for (int n = 0; n < vocab; n++)
            for (int d = 0; d < dim; d++)
            {
                double s = 0;
                for (int k = 0; k < r; k++) s += (double)eb[d * r + k] * ea[k * vocab + n];
                Assert.Equal(emb[n * dim + d] + s * scaling, e[n * dim + d], 5);
            }
        var l = Merged(dir, basePath, adapter, "lin.weight");
        for (int o = 0; o < outF; o++)
            for (int i = 0; i < dim; i++)
            {
                double s = 0;
                for (int k = 0; k < r; k++) s += (double)lb[o * r + k] * la[k * dim + i];
                Assert.Equal(lin[o * dim + i] + s * scaling, l[o * dim + i], 5);
            }
        var bias = Merged(dir, basePath, adapter, "lin.bias");
        for (int o = 0; o < outF; o++) Assert.Equal(linBias[o] + lbias[o] * scaling, bias[o], 5);
        Assert.Equal(newHead, Merged(dir, basePath, adapter, "head.weight"));
    }

    [Fact]
    public void Half_precision_adapters_are_widened_and_dense_tensors_keep_their_type()
    {
        using var dir = new TempDir();
        var a = RandomValues(1 * 8); var b = RandomValues(12 * 1, 0.8f);
        var head = RandomValues(2 * 8);
        string adapter = Folder(dir, """{"peft_type":"LORA","r":1,"lora_alpha":32,"target_modules":["qkv"]}""",
            F16("base_model.model.qkv.lora_A.weight", [1, 8], a), F16("base_model.model.qkv.lora_B.weight", [12, 1], b),
            F16("base_model.model.score.weight", [2, 8], head));
        string shira = dir.File("a.shira");
        var report = PeftConverter.Convert(adapter, shira, new ConvertOptions { Mode = SparsifyMode.Density, Density = 1 });
        var dense = report.Tensors.Single(t => t.Tensor == "score.weight");
        Assert.Equal(Semantics.Replace, dense.Semantics);
        Assert.Equal(16, dense.Nnz);
        using var reader = Format.Container.ShiraReader.Open(shira);
        Assert.True(reader.TryGetTensor("score.weight", out var s));
        Assert.Equal(Format.ValueDType.F16, s.ValueDType);
        Assert.Equal(DType.F16, s.BaseDType);
        Assert.True(reader.TryGetTensor("qkv.weight", out var q));
        var vals = new float[q.Nnz];
        reader.ReadValues(q, vals);
        for (int o = 0; o < 12; o++)
            for (int i = 0; i < 8; i++)
            {
                float bo = FloatBits.F16ToSingle(FloatBits.SingleToF16(b[o])), ai = FloatBits.F16ToSingle(FloatBits.SingleToF16(a[i]));
                Assert.Equal(bo * ai * 32f, vals[o * 8 + i]);
            }
    }

    [Fact]
    public void An_all_zero_lora_B_converts_to_a_zero_delta()
    {
        using var dir = new TempDir();
        string adapter = Folder(dir, """{"peft_type":"LORA","r":2,"lora_alpha":4}""",
            F32("base_model.model.m.lora_A.weight", [2, 4], RandomValues(8)), F32("base_model.model.m.lora_B.weight", [3, 2], new float[6]));
        var budget = PeftConverter.Convert(adapter, dir.File("a.shira"));
        Assert.Equal(0, budget.Tensors.Single().RelativeError);
        var energy = PeftConverter.Convert(adapter, dir.File("b.shira"), new ConvertOptions { Mode = SparsifyMode.Energy, Energy = 0.9 });
        Assert.Equal(0, energy.Tensors.Single().Nnz);
    }
}
