using System.CommandLine;
using Shira.Cli.Infrastructure;
using Shira.Convert;
using Shira.Convert.Diff;

namespace Shira.Cli.Commands;

/// <summary><c>shira diff BASE TUNED -o OUT.shira [--force] [--exact | --density D [--global]] [--values f32|f16|bf16] [--json]</c>.</summary>
internal static class DiffCommand
{
    /// <summary>The library\'s defaults for what the command line leaves out.</summary>
    private static readonly DiffOptions Defaults = new();

    public static Command Create()
    {
        var baseArg = new Argument<string>("BASE") { Description = "Base checkpoint (safetensors file or sharded folder)" };
        var tunedArg = new Argument<string>("TUNED") { Description = "Fine-tuned checkpoint with the same tensors" };
        var output = CliOptions.Output("The .shira file to write");
        var force = CliOptions.Force();
        var exact = new Option<bool>("--exact") { Description = "Store every changed entry so that applying gives TUNED exactly (default)" };
        var density = CliOptions.Fraction("--density", "Keep only this fraction of each tensor's entries (largest |change| first)");
        var global = new Option<bool>("--global") { Description = "With --density: one budget for the whole checkpoint (largest changes anywhere) instead of per tensor" };
        var values = ValueDTypeOption.Create("Value type of deltas: f32 (default), f16 or bf16");
        var indexEncoding = IndexEncodingOption.Create();
        var command = new Command("diff", "Turn a fine-tuned checkpoint into a sparse adapter over its base")
        {
            baseArg, tunedArg, output, force, exact, density, global, values, indexEncoding,
        };
        command.SetAction(r => CommandRunner.Run(() =>
        {
            if (r.GetValue(exact) && r.GetValue(density) is not null) throw new UsageException("give either --exact or --density, not both");
            if (r.GetValue(global) && r.GetValue(density) is null) throw new UsageException("--global needs --density");
            var options = new DiffOptions
            {
                Density = r.GetValue(density),
                Global = r.GetValue(global),
                ValueDType = ValueDTypeOption.Parse(r.GetValue(values)) ?? Defaults.ValueDType,
                Writer = IndexEncodingOption.ToWriterOptions(r.GetValue(indexEncoding)),
            };
            string outPath = OutputPaths.ClaimFile(r.GetValue(output)!, r.GetValue(force));
            var diff = ProgressDisplay.Run("Diffing", (ConvertProgress p) => (p.Done, p.Total), progress =>
                DenseDiff.Create(r.GetValue(baseArg)!, r.GetValue(tunedArg)!, outPath, options with { Progress = progress }));
            ConversionView.Render("diff", diff, "Changed tensors", withErrors: true).Print();
            return ExitCodes.Ok;
        }));
        return command;
    }
}
