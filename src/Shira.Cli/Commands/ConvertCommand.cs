using System.CommandLine;
using Shira.Cli.Infrastructure;
using Shira.Convert;
using Shira.Convert.Selection;

namespace Shira.Cli.Commands;

/// <summary>
/// <c>shira convert SOURCE -o OUT.shira [--force] [--base BASE] [--density D | --budget lora | --energy E]
/// [--values f32|f16|bf16] [--index-encoding auto|raw-u32|...] [--json]</c>:
/// a PEFT adapter folder (LoRA or SHiRA, detected from its config) to .shira.
/// </summary>
internal static class ConvertCommand
{
    /// <summary>The library\'s defaults for what the command line leaves out.</summary>
    private static readonly ConvertOptions Defaults = new();

    public static Command Create()
    {
        var source = new Argument<string>("SOURCE") { Description = "PEFT adapter folder (adapter_config.json + adapter_model.safetensors)" };
        var output = CliOptions.Output("The .shira file to write");
        var force = CliOptions.Force();
        var baseOpt = new Option<string?>("--base") { Description = "Base checkpoint (safetensors file or sharded folder); required for DoRA" };
        var density = CliOptions.Fraction("--density", "Keep this fraction of each LoRA delta's entries (largest first); 1 keeps all");
        var budget = CliOptions.Choice("--budget", "'lora': keep r·(in+out) entries per module, the LoRA's own parameter count (default)", "lora");
        var energy = CliOptions.Fraction("--energy", "Keep the fewest entries holding this fraction of each delta's squared sum");
        var values = ValueDTypeOption.Create("Value type: f32 (default for LoRA), f16 or bf16; SHiRA imports keep their own type by default");
        var indexEncoding = IndexEncodingOption.Create();
        var command = new Command("convert", "Convert a PEFT LoRA or SHiRA adapter into .shira")
        {
            source, output, force, baseOpt, density, budget, energy, values, indexEncoding,
        };
        command.SetAction(r => CommandRunner.Run(() =>
        {
            int modes = (r.GetValue(density) is null ? 0 : 1) + (r.GetValue(budget) is null ? 0 : 1) + (r.GetValue(energy) is null ? 0 : 1);
            if (modes > 1) throw new UsageException("give at most one of --density, --budget, --energy");
            var options = new ConvertOptions
            {
                BasePath = r.GetValue(baseOpt),
                Mode = r.GetValue(density) is not null ? SparsifyMode.Density : r.GetValue(energy) is not null ? SparsifyMode.Energy : SparsifyMode.LoraBudget,
                Density = r.GetValue(density) ?? Defaults.Density,
                Energy = r.GetValue(energy) ?? Defaults.Energy,
                ValueDType = ValueDTypeOption.Parse(r.GetValue(values)),
                Writer = IndexEncodingOption.ToWriterOptions(r.GetValue(indexEncoding)),
            };
            string outPath = OutputPaths.ClaimFile(r.GetValue(output)!, r.GetValue(force));
            var conversion = ProgressDisplay.Run("Converting", (ConvertProgress p) => (p.Done, p.Total), progress =>
                PeftConverter.Convert(r.GetValue(source)!, outPath, options with { Progress = progress }));
            foreach (var w in conversion.Warnings) CliConsole.Current.Warn(w.Message);
            ConversionView.Render("convert", conversion, "Converted tensors", withErrors: true).Print();
            return ExitCodes.Ok;
        }));
        return command;
    }
}
