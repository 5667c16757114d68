using Shira.Cli.Infrastructure;
using Shira.Testing;
using Shira.Training.Jobs;
using Shira.Training.Models;

namespace Shira.Training.Cli.Tests;

/// <summary>Issue 11 at the command line: exit 2 means usage or I/O, exit 1 bad data; a library's argument exception
/// is a usage error, a data problem keeps its own code.</summary>
public sealed class ExitCodeTests
{
    private static (int Exit, string Out, string Err) Run(params string[] args)
    {
        var o = new StringWriter();
        var e = new StringWriter();
        using (CliConsole.Use(o, e)) return (Program.Run(args), o.ToString(), e.ToString());
    }

    [Fact]
    public void An_inconsistent_request_refused_by_the_library_is_a_usage_error_exit_2()
    {
        // --steps 0 passes the parser; TrainRunner refuses it with an ArgumentException, printed as SHIRA-E9002.
        using var dir = new TempDir();
        var r = Run("train", "--init", "tiny", "--save-base", dir.File("b.safetensors"), "--task", "caesar", "--steps", "0",
            "-o", dir.File("x.shira"));
        Assert.Equal(2, r.Exit);
        Assert.Contains("SHIRA-E9002", r.Err, StringComparison.Ordinal);
        Assert.Contains("steps must be positive", r.Err, StringComparison.Ordinal);
        Assert.DoesNotContain("(Parameter", r.Err, StringComparison.Ordinal);
        Assert.False(File.Exists(dir.File("x.shira")));
    }

    [Fact]
    public void A_base_too_small_for_byte_level_data_is_bad_data_exit_1()
    {
        using var dir = new TempDir();
        string basePath = dir.File("base.safetensors");
        using (var model = new LlamaForCausalLM(TrainRequest.TinyConfig with { VocabSize = 100 }, seed: 1))
            LlamaCheckpoint.Save(model, basePath);
        var r = Run("train", "--base", basePath, "--task", "caesar", "--steps", "1", "--batch", "2", "--examples", "4",
            "--eval", "0", "-o", dir.File("x.shira"));
        Assert.Equal(1, r.Exit);
        Assert.Contains("SHIRA-E7057", r.Err, StringComparison.Ordinal);
        Assert.Contains("base.safetensors", r.Err, StringComparison.Ordinal);
        Assert.False(File.Exists(dir.File("x.shira")));
    }
}
