using System.Text.Json.Nodes;
using Shira.Cli.Infrastructure;
using Shira.Testing;

namespace Shira.Cli.Tests;

/// <summary>
/// The machine interface (issue 10 §4): every command's <c>--json</c> output, success and error, is one JSON object
/// with <c>schema_version</c> that validates against spec/schemas/COMMAND.schema.json; errors carry their SHIRA-E code
/// on standard output with the same exit code as without <c>--json</c>.
/// </summary>
public sealed class JsonContractTests
{
    private static string Example => Path.Combine(RepoPaths.Peft, "llama_tiny");
    private static string BasePath => Path.Combine(Example, "base", "model.safetensors");

    [Fact]
    public void Every_command_has_a_schema_and_every_schema_a_command()
    {
        var commands = Program.BuildRoot().Subcommands.Select(c => c.Name).Where(n => n != "train").Order().ToList();
        var schemas = OutputSchemas.Names.Where(n => n is not "common" and not "error").Order().ToList();
        Assert.Equal(commands, schemas);
    }

    [Fact]
    public void Inspect_success_and_errors()
    {
        using var dir = new TempDir();
        string path = dir.File("a.shira");
        ExampleAdapters.Write(path);
        var ok = CliHarness.Run("inspect", path, "--json");
        Assert.Equal(0, ok.Exit);
        var json = OutputSchemas.AssertValid("inspect", ok.Out);
        Assert.Equal(3, (long)json["tensor_count"]!);

        OutputSchemas.AssertError("inspect", CliHarness.Run("inspect", dir.File("missing.shira"), "--json"), "SHIRA-E9001", 2);
        File.WriteAllBytes(dir.File("garbage.shira"), new byte[300]);
        var bad = OutputSchemas.AssertError("inspect", CliHarness.Run("inspect", dir.File("garbage.shira"), "--json"), (string)"SHIRA-E1002", 1);
        Assert.Equal(dir.File("garbage.shira"), (string?)bad["file"]);
    }

    [Fact]
    public void Validate_success_invalid_and_unreadable()
    {
        using var dir = new TempDir();
        string good = dir.File("good.shira"), bad = dir.File("bad.shira");
        ExampleAdapters.Write(good);
        ExampleAdapters.Write(bad);
        var bytes = File.ReadAllBytes(bad);
        bytes[bytes.Length / 3] ^= 0x10;
        File.WriteAllBytes(bad, bytes);

        var ok = CliHarness.Run("validate", good, "--json");
        Assert.Equal(0, ok.Exit);
        Assert.Equal(1, (long)OutputSchemas.AssertValid("validate", ok.Out)["valid_files"]!);

        var invalid = CliHarness.Run("validate", good, bad, "--json");
        Assert.Equal(1, invalid.Exit);
        var json = OutputSchemas.AssertValid("validate", invalid.Out);
        Assert.Equal(1, (long)json["invalid_files"]!);
        Assert.Matches(@"^SHIRA-E[1-3]\d{3}$", (string?)json["files"]![1]!["errors"]![0]!["code"]);
        Assert.Equal("", invalid.Err); // under --json nothing but the object is printed

        var missing = CliHarness.Run("validate", dir.File("missing.shira"), "--json");
        Assert.Equal(2, missing.Exit);
        Assert.Equal("SHIRA-E9001", (string?)OutputSchemas.AssertValid("validate", missing.Out)["files"]![0]!["errors"]![0]!["code"]);
    }

    [Fact]
    public void Convert_success_and_errors()
    {
        using var dir = new TempDir();
        var ok = CliHarness.Run("convert", Path.Combine(Example, "lora"), "-o", dir.File("a.shira"), "--density", "0.25", "--values", "bf16", "--json");
        Assert.True(ok.Exit == 0, ok.Err + ok.Out);
        var json = OutputSchemas.AssertValid("convert", ok.Out);
        Assert.Equal("peft-lora", (string?)json["source_format"]);
        Assert.All(json["tensors"]!.AsArray(), t => Assert.Equal(0.25, (double)t!["density"]!, 6));

        // The same output again: refused (exit 2), the file untouched.
        var before = File.ReadAllBytes(dir.File("a.shira"));
        OutputSchemas.AssertError("convert", CliHarness.Run("convert", Path.Combine(Example, "lora"), "-o", dir.File("a.shira"), "--json"), "SHIRA-E9010", 2);
        Assert.Equal(before, File.ReadAllBytes(dir.File("a.shira")));
        // A parse error under --json is an error object too.
        OutputSchemas.AssertError("convert", CliHarness.Run("convert", Path.Combine(Example, "lora"), "-o", dir.File("b.shira"), "--density", "0,5", "--json"), "SHIRA-E9002", 2);
        // A source that is not a PEFT folder: a conversion error, exit 1.
        OutputSchemas.AssertError("convert", CliHarness.Run("convert", dir.Path, "-o", dir.File("c.shira"), "--json"), "SHIRA-E5001", 1);
    }

    [Fact]
    public void Diff_success_and_error()
    {
        using var dir = new TempDir();
        string ft = Path.Combine(Example, "dense_ft");
        var ok = CliHarness.Run("diff", Path.Combine(ft, "base.safetensors"), Path.Combine(ft, "tuned.safetensors"), "-o", dir.File("d.shira"), "--density", "0.01", "--json");
        Assert.True(ok.Exit == 0, ok.Err + ok.Out);
        Assert.True((long)OutputSchemas.AssertValid("diff", ok.Out)["nnz"]! > 0);
        // Different tensors (a base against a LoRA adapter file): DiffMismatch.
        var bad = CliHarness.Run("diff", Path.Combine(ft, "base.safetensors"), Path.Combine(Example, "lora", "adapter_model.safetensors"), "-o", dir.File("e.shira"), "--json");
        Assert.Equal(1, bad.Exit);
        Assert.StartsWith("SHIRA-E", (string?)OutputSchemas.AssertValid("diff", bad.Out)["code"]);
    }

    [Fact]
    public void Export_success_and_error()
    {
        using var dir = new TempDir();
        string adapter = ConvertShira(dir);
        var ok = CliHarness.Run("export", "peft", adapter, "-o", dir.File("out"), "--json");
        Assert.True(ok.Exit == 0, ok.Err + ok.Out);
        Assert.Equal(dir.File("out"), (string?)OutputSchemas.AssertValid("export", ok.Out)["output"]);
        OutputSchemas.AssertError("export", CliHarness.Run("export", "peft", adapter, "-o", dir.File("out"), "--json"), "SHIRA-E9010", 2);
        OutputSchemas.AssertError("export", CliHarness.Run("export", "peft", dir.File("missing.shira"), "-o", dir.File("out2"), "--json"), "SHIRA-E9001", 2);
    }

    [Fact]
    public void Apply_revert_switch_recover_success_and_errors()
    {
        using var dir = new TempDir();
        string a = ConvertShira(dir);
        string b = dir.File("b.shira");
        Assert.Equal(0, CliHarness.Run("convert", Path.Combine(Example, "lora"), "-o", b, "--density", "1").Exit);
        string basePath = dir.File("base.safetensors");
        File.Copy(BasePath, basePath);

        var copy = CliHarness.Run("apply", basePath, a, "-o", dir.File("merged.safetensors"), "--json");
        Assert.True(copy.Exit == 0, copy.Err + copy.Out);
        Assert.Equal("copy", (string?)OutputSchemas.AssertValid("apply", copy.Out)["mode"]);

        var inPlace = CliHarness.Run("apply", basePath, a, "--in-place", "--json");
        Assert.True(inPlace.Exit == 0, inPlace.Err + inPlace.Out);
        var applied = OutputSchemas.AssertValid("apply", inPlace.Out);
        Assert.Equal("in-place", (string?)applied["mode"]);
        Assert.Equal(1, (long)applied["stack_depth"]!);

        // FROM must be the top adapter: b is not applied.
        OutputSchemas.AssertError("switch", CliHarness.Run("switch", basePath, b, a, "--json"), "SHIRA-E6007", 1);
        var sw = CliHarness.Run("switch", basePath, a, b, "--json");
        Assert.True(sw.Exit == 0, sw.Err + sw.Out);
        Assert.Equal(b, (string?)OutputSchemas.AssertValid("switch", sw.Out)["to"]!["adapter"]);

        var revert = CliHarness.Run("revert", basePath, "--json");
        Assert.True(revert.Exit == 0, revert.Err + revert.Out);
        Assert.Equal(0, (long)OutputSchemas.AssertValid("revert", revert.Out)["stack_depth"]!);
        Assert.Equal(File.ReadAllBytes(BasePath), File.ReadAllBytes(basePath));
        OutputSchemas.AssertError("revert", CliHarness.Run("revert", basePath, "--json"), "SHIRA-E6007", 1);

        var recover = CliHarness.Run("recover", basePath, "--json");
        Assert.True(recover.Exit == 0, recover.Err + recover.Out);
        OutputSchemas.AssertValid("recover", recover.Out);
        OutputSchemas.AssertError("recover", CliHarness.Run("recover", dir.File("missing.safetensors"), "--json"), "SHIRA-E9001", 2);

        OutputSchemas.AssertError("apply", CliHarness.Run("apply", basePath, dir.File("missing.shira"), "-o", dir.File("m2.safetensors"), "--json"), "SHIRA-E9001", 2);
        OutputSchemas.AssertError("apply", CliHarness.Run("apply", basePath, a, "--json"), "SHIRA-E9002", 2);
    }

    [Fact]
    public void Fuse_success_and_error()
    {
        using var dir = new TempDir();
        string a = ConvertShira(dir);
        var ok = CliHarness.Run("fuse", a, a, "-o", dir.File("f.shira"), "--weights", "1,0.5", "--json");
        Assert.True(ok.Exit == 0, ok.Err + ok.Out);
        var json = OutputSchemas.AssertValid("fuse", ok.Out);
        Assert.Equal(2, json["inputs"]!.AsArray().Count);
        Assert.Equal(1, (long)json["pairs"]![0]!["a"]!);
        OutputSchemas.AssertError("fuse", CliHarness.Run("fuse", a, a, "-o", dir.File("g.shira"), "--weights", "1", "--json"), "SHIRA-E9002", 2);
    }

    [Fact]
    public void An_unknown_command_under_json_is_an_error_object_of_the_root()
    {
        var run = CliHarness.Run("valdate", "x.shira", "--json");
        var error = OutputSchemas.AssertError("shira", run, "SHIRA-E9002", 2);
        Assert.Contains("did you mean 'validate'?", (string?)error["message"]);
        Assert.Equal("", run.Err);
    }

    [Fact]
    public void The_schemas_reject_what_the_contract_forbids()
    {
        // Positive control: the checks above would fail on drift. Numbers in strings, unknown keys, spaces in keys.
        const string Good = """{"schema_version":"1.0","command":"recover","base":"b","journal_found":false,"rolled_back":0,"positions_restored":0,"discarded":0,"still_applied":[]}""";
        Assert.True(OutputSchemas.IsValid("recover", Good));
        Assert.False(OutputSchemas.IsValid("recover", Good.Replace("\"rolled_back\":0", "\"rolled_back\":\"0\"")));
        Assert.False(OutputSchemas.IsValid("recover", Good.Replace("\"discarded\":0", "\"discarded\":0,\"positions restored\":0")));
        Assert.False(OutputSchemas.IsValid("recover", Good.Replace("\"schema_version\":\"1.0\",", "")));
        Assert.False(OutputSchemas.IsValid("recover", Good.Replace("\"1.0\"", "\"2.0\"")));
        Assert.Equal("1.0", JsonOutput.SchemaVersion);
    }

    [Fact]
    public void Snapshots_of_an_error_and_a_conversion()
    {
        var error = CliHarness.Run("inspect", "/nonexistent/dir/x.shira", "--json");
        OutputSchemas.AssertValid("inspect", error.Out);
        Snapshooter.Xunit.Snapshot.Match(error.Out, "inspect_error_json");

        using var dir = new TempDir();
        var run = CliHarness.Run("convert", Path.Combine(Example, "lora"), "-o", dir.File("a.shira"), "--budget", "lora", "--json");
        Assert.True(run.Exit == 0, run.Err);
        OutputSchemas.AssertValid("convert", run.Out);
        Snapshooter.Xunit.Snapshot.Match(run.Out.Replace(dir.Path, "OUT").Replace(Example, "EXAMPLE"), "convert_lora_budget_json");
    }

    private static string ConvertShira(TempDir dir)
    {
        string path = dir.File("a.shira");
        var run = CliHarness.Run("convert", Path.Combine(Example, "shira"), "-o", path, "--base", BasePath);
        Assert.True(run.Exit == 0, run.Err);
        return path;
    }
}
