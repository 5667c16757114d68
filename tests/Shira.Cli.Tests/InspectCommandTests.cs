using System.Text.Json;
using Shira.Testing;
using Snapshooter.Xunit;

namespace Shira.Cli.Tests;

public sealed class InspectCommandTests
{
    [Fact]
    public void Inspect_text_output_matches_snapshot()
    {
        using var dir = new TempDir();
        var path = dir.File("example.shira");
        ExampleAdapters.Write(path);
        var (exit, output, error) = CliHarness.Run("inspect", path);
        Assert.Equal(0, exit);
        Assert.Equal("", error);
        output.Replace(path, "example.shira").MatchSnapshot();
    }

    [Fact]
    public void Inspect_json_lists_every_tensor_with_its_facts()
    {
        using var dir = new TempDir();
        var path = dir.File("example.shira");
        ExampleAdapters.Write(path);
        var (exit, output, _) = CliHarness.Run("inspect", path, "--json");
        Assert.Equal(0, exit);
        using var doc = JsonDocument.Parse(output);
        var tensors = doc.RootElement.GetProperty("tensors");
        Assert.Equal(3, tensors.GetArrayLength());
        var k = tensors[0];
        Assert.Equal("layers.0.k_proj.weight", k.GetProperty("tensor").GetString());
        Assert.Equal(4096, k.GetProperty("numel").GetInt64());
        // The two weight tensors share one index set; the replace tensor has its own.
        Assert.Equal(tensors[0].GetProperty("index_set").GetInt32(), tensors[1].GetProperty("index_set").GetInt32());
        Assert.NotEqual(tensors[0].GetProperty("index_set").GetInt32(), tensors[2].GetProperty("index_set").GetInt32());
        Assert.Equal("replace", tensors[2].GetProperty("semantics").GetString());
        Assert.Equal("f16", tensors[2].GetProperty("value_dtype").GetString());
        Assert.Equal(64, tensors[2].GetProperty("nnz").GetInt64());
        Assert.Equal(2.0, k.GetProperty("scale").GetDouble());
        Assert.Equal("example", doc.RootElement.GetProperty("metadata").GetProperty("name").GetString());
        Assert.Equal("2", doc.RootElement.GetProperty("metadata").GetProperty("parameters").GetProperty("r").GetString());
        Snapshot.Match(output.Replace(path, "example.shira"), "inspect_json");
    }

    [Fact]
    public void Inspect_of_a_missing_file_exits_2_without_stack_trace()
    {
        var (exit, output, error) = CliHarness.Run("inspect", "/nonexistent/dir/x.shira");
        Assert.Equal(2, exit);
        Assert.Contains("SHIRA-E9001", error);
        Assert.DoesNotContain(" at ", error);
        Assert.Equal("", output);
    }

    [Fact]
    public void Inspect_of_a_garbage_file_exits_1_with_a_format_code()
    {
        using var dir = new TempDir();
        var path = dir.File("garbage.shira");
        File.WriteAllBytes(path, Enumerable.Range(0, 300).Select(i => (byte)(i * 7)).ToArray());
        var (exit, _, error) = CliHarness.Run("inspect", path);
        Assert.Equal(1, exit);
        Assert.Matches(@"SHIRA-E[1-3]\d{3}", error);
        Assert.Contains(path, error);
        Assert.DoesNotContain(" at ", error);
    }
}
