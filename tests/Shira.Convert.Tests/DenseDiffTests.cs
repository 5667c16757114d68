using System.Buffers.Binary;
using Shira.Convert.Diff;
using Shira.Format;
using Shira.Format.Container;
using Shira.Format.Safetensors;
using Shira.Testing;

namespace Shira.Convert.Tests;

public class DenseDiffTests
{
    private static readonly string Ft = Fixtures.Llama("dense_ft");

    [Theory]
    [InlineData("base.safetensors", "tuned.safetensors")]
    [InlineData("base.bf16.safetensors", "tuned.bf16.safetensors")]
    public void Exact_diff_applied_to_the_base_gives_the_tuned_checkpoint_bit_exactly(string basis, string tuned)
    {
        using var dir = new TempDir();
        string shira = dir.File("d.shira");
        var report = DenseDiff.Create(Path.Combine(Ft, basis), Path.Combine(Ft, tuned), shira);
        Assert.Equal(1006, report.TotalNnz);
        Fixtures.AssertBitIdentical(Path.Combine(Ft, tuned), Fixtures.Apply(dir, Path.Combine(Ft, basis), shira));
    }

    [Fact]
    public void Exact_diff_has_the_same_positions_and_deltas_as_PEFTs_reference_diff()
    {
        using var dir = new TempDir();
        string shira = dir.File("d.shira");
        DenseDiff.Create(Path.Combine(Ft, "base.safetensors"), Path.Combine(Ft, "tuned.safetensors"), shira);
        using var reader = ShiraReader.Open(shira);
        using var reference = SafetensorsFile.Open(Path.Combine(Ft, "diff.safetensors"));
        Assert.Equal(reference.Tensors.Count / 2, reader.Tensors.Count);
        foreach (var t in reader.Tensors)
        {
            var idx = new long[t.Nnz];
            var val = new float[t.Nnz];
            reader.ReadIndices(t, idx);
            reader.ReadValues(t, val);
            var refIdx = reference.GetBytes(t.Name + ".indices");
            var refVal = reference.ReadSingles(t.Name + ".values");
            Assert.Equal(refVal.Length, idx.Length);
            for (int i = 0; i < idx.Length; i++)
                Assert.Equal(BinaryPrimitives.ReadInt64LittleEndian(refIdx[(8 * i)..]), idx[i]);
            if (t.Semantics == Semantics.Add) Assert.Equal(refVal, val);
        }
    }

    [Fact]
    public void Density_diff_keeps_the_largest_changes_and_reports_the_error()
    {
        using var dir = new TempDir();
        var report = DenseDiff.Create(Path.Combine(Ft, "base.safetensors"), Path.Combine(Ft, "tuned.safetensors"), dir.File("d.shira"),
            new DiffOptions { Density = 0.005 });
        Assert.All(report.Tensors, t => Assert.Equal(Math.Min((long)Math.Ceiling(0.005 * t.Numel), CountChanged(t.Tensor)), t.Nnz));
        Assert.True(report.RelativeError > 0 && report.RelativeError < 1);
        Assert.True(report.EnergyKept > 0.5);
    }

    [Theory]
    [InlineData(0.001)]
    [InlineData(0.005)]
    [InlineData(0.02)]
    public void Global_density_keeps_the_largest_changes_across_all_tensors(double density)
    {
        using var dir = new TempDir();
        string shira = dir.File("g.shira");
        var report = DenseDiff.Create(Path.Combine(Ft, "base.safetensors"), Path.Combine(Ft, "tuned.safetensors"), shira,
            new DiffOptions { Density = density, Global = true });
        long numel = report.Tensors.Sum(t => t.Numel);
        using var reference = SafetensorsFile.Open(Path.Combine(Ft, "diff.safetensors"));
        var all = reference.Tensors.Where(t => t.Name.EndsWith(".values", StringComparison.Ordinal))
            .SelectMany(t => reference.ReadSingles(t.Name)).Where(v => v != 0).Select(Math.Abs).OrderDescending().ToArray();
        long k = Math.Min((long)Math.Ceiling(density * numel - 1e-9), all.Length);
        Assert.Equal(k, report.TotalNnz);
        // Kept = the k largest |change| of the whole checkpoint: the smallest kept is not below the largest dropped.
        using var reader = ShiraReader.Open(shira);
        var kept = reader.Tensors.SelectMany(t => { var v = new float[t.Nnz]; reader.ReadValues(t, v); return v; }).Select(Math.Abs).Order().ToArray();
        Assert.Equal(all[(int)k - 1], kept[0]);
    }

    [Fact]
    public void Diff_of_a_non_invertible_f32_change_falls_back_to_Replace_and_stays_exact()
    {
        using var dir = new TempDir();
        // tuned - base rounds to -1 in f32, and 1 + (-1) = 0 != 1e-8: an Add cannot reproduce it.
        string b = Write(dir.File("b.safetensors"), [1f, 2f, 3f, 4f]);
        string t = Write(dir.File("t.safetensors"), [1e-8f, 2f, 3.5f, 4f]);
        string shira = dir.File("d.shira");
        var report = DenseDiff.Create(b, t, shira);
        Assert.Equal("diff-replace", report.Tensors.Single().Kind);
        Assert.Equal(2, report.Tensors.Single().Nnz);
        Assert.NotEmpty(report.Notes);
        Fixtures.AssertBitIdentical(t, Fixtures.Apply(dir, b, shira));
    }

    [Fact]
    public void Mismatched_checkpoints_are_DiffMismatch()
    {
        using var dir = new TempDir();
        var e = Assert.Throws<ShiraException>(() => DenseDiff.Create(Fixtures.LlamaBase(), Fixtures.Gpt2("base/model.safetensors"), dir.File("d.shira")));
        Assert.Equal(ShiraErrorCode.DiffMismatch, e.Code);
        e = Assert.Throws<ShiraException>(() => DenseDiff.Create(Fixtures.LlamaBase(), Fixtures.LlamaBase(".bf16"), dir.File("d.shira")));
        Assert.Equal(ShiraErrorCode.DiffMismatch, e.Code);
        string b = Write(dir.File("b.safetensors"), [1f, 2f, 3f, 4f]);
        string t = Write(dir.File("t.safetensors"), [1f, 2f, 3f], "w");
        e = Assert.Throws<ShiraException>(() => DenseDiff.Create(b, t, dir.File("d.shira")));
        Assert.Equal(ShiraErrorCode.DiffMismatch, e.Code);
        Assert.False(File.Exists(dir.File("d.shira")));
    }

    private static long CountChanged(string tensor)
    {
        using var reference = SafetensorsFile.Open(Path.Combine(Ft, "diff.safetensors"));
        return reference.Tensors.Single(t => t.Name == tensor + ".indices").Numel;
    }

    private static string Write(string path, float[] values, string name = "w")
    {
        var bytes = new byte[values.Length * 4];
        for (int i = 0; i < values.Length; i++) BinaryPrimitives.WriteSingleLittleEndian(bytes.AsSpan(4 * i), values[i]);
        SafetensorsWriter.WriteFile(path, [SafetensorsTensorSource.FromBytes(name, DType.F32, [values.Length], bytes)]);
        return path;
    }
}
