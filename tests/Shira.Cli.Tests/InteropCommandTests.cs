using System.Text.Json.Nodes;
using Shira.Testing;

namespace Shira.Cli.Tests;

/// <summary>The command-line side of the interop fixes: a refused export exits 1 and writes nothing; a lossy
/// default-budget conversion prints one warning line on standard error and a <c>warnings</c> entry in JSON.</summary>
public sealed class InteropCommandTests
{
    private static string Peft(params string[] parts) => Path.Combine([RepoPaths.Peft, .. parts]);

    [Fact]
    public void Export_of_a_Conv1D_adapter_exits_1_and_writes_nothing()
    {
        using var tmp = new TempDir();
        string shira = tmp.File("g.shira");
        var (exit, _, err) = CliHarness.Run("convert", Peft("gpt2_tiny", "lora_fan_in_fan_out"), "-o", shira,
            "--base", Peft("gpt2_tiny", "base", "model.safetensors"));
        Assert.True(exit == 0, err);
        string exported = tmp.File("peft");
        (exit, _, err) = CliHarness.Run("export", "peft", shira, "-o", exported);
        Assert.Equal(1, exit);
        Assert.Contains("SHIRA-E5003", err);
        Assert.False(File.Exists(Path.Combine(exported, "adapter_model.safetensors")));
        Assert.False(File.Exists(Path.Combine(exported, "adapter_config.json")));
    }

    [Fact]
    public void A_lossy_default_budget_prints_one_warning_line_and_a_json_warning()
    {
        using var tmp = new TempDir();
        var (exit, output, err) = CliHarness.Run("convert", Peft("llama_tiny", "lora"), "-o", tmp.File("a.shira"), "--json");
        Assert.True(exit == 0, err);
        // PEFT's llama_tiny LoRA (r = 8 on 64×64 and 64×176 weights) keeps about 67 % of its energy at the default budget.
        var json = JsonNode.Parse(output)!;
        var w = Assert.Single(json["warnings"]!.AsArray());
        Assert.Equal("lossy-budget", (string?)w!["kind"]);
        Assert.True(w["figures"]!["relative_error"]!.GetValue<double>() > 0.5);
        Assert.True(w["figures"]!["energy_0.9_entries"]!.GetValue<double>() > 0);
        var line = Assert.Single(err.Split('\n'), l => l.StartsWith("warning: ", StringComparison.Ordinal));
        Assert.Contains("--energy 0.9", line);
    }
}
