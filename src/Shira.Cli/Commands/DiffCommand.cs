using System.CommandLine;
using Shira.Cli.Infrastructure;
using Shira.Convert.Diff;

namespace Shira.Cli.Commands;

/// <summary><c>shira diff BASE TUNED -o OUT.shira [--exact | --density D [--global]] [--values f32|f16|bf16] [--json]</c>.</summary>
internal static class DiffCommand
{
    public static Command Create()
    {
        var baseArg = new Argument<string>("BASE") { Description = "Base checkpoint (safetensors file or sharded folder)" };
        var tunedArg = new Argument<string>("TUNED") { Description = "Fine-tuned checkpoint with the same tensors" };
        var output = new Option<string>("--output", "-o") { Description = "The .shira file to write", Required = true };
        var exact = new Option<bool>("--exact") { Description = "Store every changed entry so that applying gives TUNED exactly (default)" };
        var density = new Option<double?>("--density") { Description = "Keep only this fraction of each tensor's entries (largest |change| first)" };
        var global = new Option<bool>("--global") { Description = "With --density: one budget for the whole checkpoint (largest changes anywhere) instead of per tensor" };
        var values = new Option<string?>("--values") { Description = "Value type of deltas: f32 (default), f16 or bf16" };
        var json = new Option<bool>("--json") { Description = "Print JSON instead of text" };
        var indexEncoding = IndexEncodingOption.Create();
        var command = new Command("diff", "Turn a fine-tuned checkpoint into a sparse adapter over its base")
        {
            baseArg, tunedArg, output, exact, density, global, values, indexEncoding, json,
        };
        command.SetAction(r => CommandRunner.Run(() =>
        {
            if (r.GetValue(exact) && r.GetValue(density) is not null) throw new UsageException("give either --exact or --density, not both");
            if (r.GetValue(global) && r.GetValue(density) is null) throw new UsageException("--global needs --density");
            var options = new DiffOptions
            {
                Density = r.GetValue(density),
                Global = r.GetValue(global),
                ValueDType = ConvertCommand.ParseValues(r.GetValue(values)) ?? Format.ValueDType.F32,
                Writer = IndexEncodingOption.ToWriterOptions(r.GetValue(indexEncoding)),
            };
            var report = ProgressDisplay.Run("Diffing", p =>
                DenseDiff.Create(r.GetValue(baseArg)!, r.GetValue(tunedArg)!, r.GetValue(output)!, options with
                {
                    Progress = new ConvertCommand.Sink(x => p.Report((x.Done, x.Total))),
                }));
            ConvertCommand.Render(report, "Changed tensors", withErrors: true).Print(r.GetValue(json));
            return ExitCodes.Ok;
        }));
        return command;
    }
}
