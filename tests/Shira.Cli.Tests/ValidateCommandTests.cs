using System.Text.Json;
using Shira.Testing;

namespace Shira.Cli.Tests;

public sealed class ValidateCommandTests
{
    [Fact]
    public void Valid_files_exit_0()
    {
        using var dir = new TempDir();
        var a = dir.File("a.shira");
        var b = dir.File("b.shira");
        ExampleAdapters.Write(a);
        ExampleAdapters.Write(b);
        var (exit, output, error) = CliHarness.Run("validate", a, b);
        Assert.Equal(0, exit);
        Assert.Equal("", error);
        Assert.Contains("valid", output);
    }

    [Fact]
    public void One_corrupt_file_among_valid_ones_exits_1_and_prints_its_code()
    {
        using var dir = new TempDir();
        var good = dir.File("good.shira");
        var bad = dir.File("bad.shira");
        ExampleAdapters.Write(good);
        ExampleAdapters.Write(bad);
        var bytes = File.ReadAllBytes(bad);
        bytes[bytes.Length / 3] ^= 0x10; // somewhere inside the data: a checksum must catch it
        File.WriteAllBytes(bad, bytes);
        var (exit, output, error) = CliHarness.Run("validate", good, bad, "--json");
        Assert.Equal(1, exit);
        using var doc = JsonDocument.Parse(output);
        var files = doc.RootElement.GetProperty("files");
        Assert.True(files[0].GetProperty("valid").GetBoolean());
        Assert.False(files[1].GetProperty("valid").GetBoolean());
        var code = files[1].GetProperty("errors")[0].GetProperty("code").GetString();
        Assert.Matches(@"^SHIRA-E[1-3]\d{3}$", code);
        Assert.DoesNotContain(" at ", error);
    }

    [Fact]
    public void Missing_file_is_an_io_error_exit_2()
    {
        var (exit, _, error) = CliHarness.Run("validate", "/nonexistent/y.shira");
        Assert.Equal(2, exit);
        Assert.Contains("SHIRA-E9001", error);
    }

    [Fact]
    public void No_arguments_is_a_usage_error_exit_2()
    {
        var (exit, _, error) = CliHarness.Run("validate");
        Assert.Equal(2, exit);
        Assert.Contains("error", error);
    }

    [Fact]
    public void Unknown_command_is_a_usage_error_exit_2()
    {
        var (exit, _, _) = CliHarness.Run("frobnicate");
        Assert.Equal(2, exit);
    }
}
