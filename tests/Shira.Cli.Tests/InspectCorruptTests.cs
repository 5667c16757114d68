using Shira.Format.Container;
using Shira.Testing;

namespace Shira.Cli.Tests;

/// <summary>`inspect` of a file whose data sections are corrupt prints what it can, then the error, and exits 1
/// (it used to exit 0 with no warning: opening checks only the layout and manifest).</summary>
public sealed class InspectCorruptTests
{
    [Fact]
    public void Inspect_of_a_corrupt_data_section_exits_1_with_the_code()
    {
        using var dir = new TempDir();
        var path = dir.File("example.shira");
        ExampleAdapters.Write(path);
        long offset;
        using (var r = ShiraReader.Open(path)) offset = r.Tensors[0].ValueSectionOffset;
        var bytes = File.ReadAllBytes(path);
        for (int i = 0; i < 8; i++) bytes[offset + i] ^= 0x5A;
        File.WriteAllBytes(path, bytes);

        var (exit, output, error) = CliHarness.Run("inspect", path);
        Assert.Equal(1, exit);
        Assert.Contains("SHIRA-E", error);
        Assert.Contains("layers.0.k_proj.weight", output);
        Assert.Equal(0, CliHarness.Run("inspect", Write(dir)).Exit);
    }

    private static string Write(TempDir dir)
    {
        var ok = dir.File("ok.shira");
        ExampleAdapters.Write(ok);
        return ok;
    }
}
