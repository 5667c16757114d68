using Shira.Format.Safetensors;
using Shira.Testing;

namespace Shira.Cli.Tests;

/// <summary>Issue 10 §4: <c>-o</c> refuses to overwrite an existing output unless <c>--force</c> (apply --in-place
/// excepted); issue 9 §5: an I/O error names the user's output, never an internal temp file.</summary>
public sealed class OutputOverwriteTests
{
    private static string Example => Path.Combine(RepoPaths.Peft, "llama_tiny");
    private static string BasePath => Path.Combine(Example, "base", "model.safetensors");

    [Theory]
    [InlineData("convert")]
    [InlineData("diff")]
    [InlineData("apply")]
    [InlineData("fuse")]
    public void An_existing_output_is_refused_without_force_and_replaced_with_it(string command)
    {
        using var dir = new TempDir();
        string adapter = dir.File("a.shira");
        Assert.Equal(0, CliHarness.Run("convert", Path.Combine(Example, "shira"), "-o", adapter, "--base", BasePath).Exit);
        string output = dir.File("out");
        File.WriteAllText(output, "precious");
        string[] args = command switch
        {
            "convert" => ["convert", Path.Combine(Example, "lora"), "-o", output],
            "diff" => ["diff", Path.Combine(Example, "dense_ft", "base.safetensors"), Path.Combine(Example, "dense_ft", "tuned.safetensors"), "-o", output],
            "apply" => ["apply", BasePath, adapter, "-o", output],
            _ => ["fuse", adapter, adapter, "-o", output],
        };
        var (exit, stdout, error) = CliHarness.Run(args);
        Assert.Equal(2, exit);
        Assert.Equal("", stdout);
        Assert.StartsWith($"error: SHIRA-E9010 [{output}]: output exists: refusing to overwrite '{output}'", error);
        Assert.Contains("--force", error);
        Assert.Equal("precious", File.ReadAllText(output));

        (exit, _, error) = CliHarness.Run([.. args, "--force"]);
        Assert.True(exit == 0, error);
        Assert.NotEqual("precious", File.ReadAllText(output));
    }

    [Fact]
    public void Export_refuses_a_folder_that_already_holds_an_adapter()
    {
        using var dir = new TempDir();
        string adapter = dir.File("a.shira");
        Assert.Equal(0, CliHarness.Run("convert", Path.Combine(Example, "shira"), "-o", adapter, "--base", BasePath).Exit);
        string folder = dir.File("peft");
        Directory.CreateDirectory(folder); // an empty folder is fine
        Assert.Equal(0, CliHarness.Run("export", "peft", adapter, "-o", folder).Exit);
        var config = File.ReadAllText(Path.Combine(folder, "adapter_config.json"));
        var (exit, _, error) = CliHarness.Run("export", "peft", adapter, "-o", folder);
        Assert.Equal(2, exit);
        Assert.Contains("SHIRA-E9010", error);
        Assert.Equal(0, CliHarness.Run("export", "peft", adapter, "-o", folder, "--force").Exit);
        Assert.Equal(config, File.ReadAllText(Path.Combine(folder, "adapter_config.json")));
    }

    [Fact]
    public void Apply_in_place_needs_no_force()
    {
        using var dir = new TempDir();
        string adapter = dir.File("a.shira");
        Assert.Equal(0, CliHarness.Run("convert", Path.Combine(Example, "shira"), "-o", adapter, "--base", BasePath).Exit);
        string basePath = dir.File("base.safetensors");
        File.Copy(BasePath, basePath);
        var (exit, _, error) = CliHarness.Run("apply", basePath, adapter, "--in-place");
        Assert.True(exit == 0, error);
        // The patched base equals PEFT's own merge.
        using var ours = SafetensorsFile.Open(basePath);
        using var peft = SafetensorsFile.Open(Path.Combine(Example, "shira", "merged.safetensors"));
        foreach (var t in peft.Tensors) Assert.True(peft.GetBytes(t.Name).SequenceEqual(ours.GetBytes(t.Name)), t.Name);
    }

    [Theory]
    [InlineData("convert")]
    [InlineData("apply")]
    [InlineData("export")]
    public void A_write_error_names_the_users_output_not_a_temp_file(string command)
    {
        using var dir = new TempDir();
        string adapter = dir.File("a.shira");
        Assert.Equal(0, CliHarness.Run("convert", Path.Combine(Example, "shira"), "-o", adapter, "--base", BasePath).Exit);
        // Under a regular file: neither the output nor the writer's sibling temp file can be created there.
        File.WriteAllText(dir.File("blocker"), "");
        string output = Path.Combine(dir.File("blocker"), command == "export" ? "peft" : "out.bin");
        string[] args = command switch
        {
            "convert" => ["convert", Path.Combine(Example, "lora"), "-o", output],
            "apply" => ["apply", BasePath, adapter, "-o", output],
            _ => ["export", "peft", adapter, "-o", output],
        };
        var (exit, _, error) = CliHarness.Run(args);
        Assert.Equal(2, exit);
        Assert.Contains("SHIRA-E9001", error);
        Assert.Contains(output, error);
        Assert.DoesNotContain(".tmp", error);

        var json = OutputSchemas.AssertError(command, CliHarness.Run([.. args, "--json"]), "SHIRA-E9001", 2);
        Assert.DoesNotContain(".tmp", (string?)json["message"]);
        Assert.DoesNotContain(".tmp", (string?)json["file"] ?? "");
    }
}
