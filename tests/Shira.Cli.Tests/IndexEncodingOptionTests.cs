using Shira.Format;
using Shira.Format.Container;
using Shira.Format.Safetensors;
using Shira.Testing;

namespace Shira.Cli.Tests;

/// <summary><c>--index-encoding</c> on convert: a runtime-optimised file that still reproduces PEFT's merge.</summary>
public sealed class IndexEncodingOptionTests
{
    private static string Example => Path.Combine(RepoPaths.Peft, "llama_tiny");

    [Fact]
    public void Convert_with_raw_u32_writes_raw_indices_and_apply_still_matches_PEFT_bit_for_bit()
    {
        using var dir = new TempDir();
        string adapter = dir.File("a.shira"), merged = dir.File("merged.safetensors");
        string basePath = Path.Combine(Example, "base", "model.safetensors");
        var (exit, _, error) = CliHarness.Run("convert", Path.Combine(Example, "shira"), "-o", adapter, "--base", basePath,
            "--index-encoding", "raw-u32");
        Assert.True(exit == 0, error);
        using (var r = ShiraReader.Open(adapter))
        {
            Assert.NotEmpty(r.Tensors);
            Assert.All(r.Tensors, t => Assert.Equal(IndexEncoding.RawU32, t.IndexEncoding));
        }
        (exit, _, error) = CliHarness.Run("apply", basePath, adapter, "-o", merged);
        Assert.True(exit == 0, error);
        // PEFT's own merge_and_unload() output is the independent truth.
        using var ours = SafetensorsFile.Open(merged);
        using var peft = SafetensorsFile.Open(Path.Combine(Example, "shira", "merged.safetensors"));
        Assert.Equal(peft.Tensors.Select(t => t.Name).Order(), ours.Tensors.Select(t => t.Name).Order());
        foreach (var t in peft.Tensors)
            Assert.True(peft.GetBytes(t.Name).SequenceEqual(ours.GetBytes(t.Name)), t.Name);
    }

    [Fact]
    public void An_unknown_index_encoding_is_a_usage_error()
    {
        using var dir = new TempDir();
        var (exit, _, error) = CliHarness.Run("convert", Path.Combine(Example, "shira"), "-o", dir.File("a.shira"), "--index-encoding", "zip");
        Assert.Equal(2, exit);
        Assert.Contains("--index-encoding", error);
        Assert.False(File.Exists(dir.File("a.shira")));
    }
}
