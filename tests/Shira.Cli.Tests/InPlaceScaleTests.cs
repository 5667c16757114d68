using System.Globalization;
using System.Runtime.InteropServices;
using Shira.Format;
using Shira.Format.Container;
using Shira.Format.Safetensors;
using Shira.Testing;

namespace Shira.Cli.Tests;

/// <summary>`--scale` reaches the library on every path of `apply` and `switch` (issue 9 §6: ignoring it under
/// `--in-place` went unnoticed). Values are chosen so that f32(W) + s·v is exact, computed here by hand.</summary>
public sealed class InPlaceScaleTests
{
    [Theory]
    [InlineData("--in-place")]
    [InlineData("-o")]
    public void Apply_honours_scale(string mode)
    {
        using var tmp = new TempDir();
        string basePath = tmp.File("base.safetensors"), a = tmp.File("a.shira"), b = tmp.File("b.shira"), outPath = tmp.File("out.safetensors");
        var w = new float[16];
        for (int i = 0; i < w.Length; i++) w[i] = i;
        SafetensorsWriter.WriteFile(basePath, [SafetensorsTensorSource.FromBytes("w", DType.F32, [4, 4], MemoryMarshal.AsBytes(w.AsSpan()).ToArray())]);
        long[] idx = [1, 6, 15];
        float[] v = [0.5f, -2f, 4f];
        ShiraWriter.WriteFile(a, new AdapterMetadata { Name = "a" }, x => x.AddTensor(new TensorSpec { Name = "w", Shape = [4, 4] }, idx, v));

        string[] args = mode == "-o" ? ["apply", basePath, a, "-o", outPath, "--scale", "0.375"] : ["apply", basePath, a, "--in-place", "--scale", "0.375"];
        var (exit, _, err) = CliHarness.Run(args);
        Assert.True(exit == 0, err);
        var expected = (float[])w.Clone();
        for (int k = 0; k < idx.Length; k++) expected[idx[k]] += 0.375f * v[k];
        Assert.Equal(expected, ReadW(mode == "-o" ? outPath : basePath));

        if (mode != "--in-place") return;
        // switch takes its own --scale too.
        long[] idxB = [0, 6];
        float[] vB = [8f, 1f];
        ShiraWriter.WriteFile(b, new AdapterMetadata { Name = "b" }, x => x.AddTensor(new TensorSpec { Name = "w", Shape = [4, 4] }, idxB, vB));
        (exit, _, err) = CliHarness.Run("switch", basePath, a, b, "--scale", "-0.25");
        Assert.True(exit == 0, err);
        expected = (float[])w.Clone();
        for (int k = 0; k < idxB.Length; k++) expected[idxB[k]] += -0.25f * vB[k];
        Assert.Equal(expected, ReadW(basePath));
        (exit, _, err) = CliHarness.Run("revert", basePath);
        Assert.True(exit == 0, err);
        Assert.Equal(w, ReadW(basePath));
    }

    private static float[] ReadW(string path)
    {
        using var f = SafetensorsFile.Open(path);
        Assert.True(f.TryGetTensor("w", out var t));
        return MemoryMarshal.Cast<byte, float>(f.GetBytes(t)).ToArray();
    }
}
