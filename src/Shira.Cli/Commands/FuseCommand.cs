using System.CommandLine;
using System.Globalization;
using System.Text.Json.Nodes;
using Shira.Cli.Infrastructure;
using Shira.Runtime;

namespace Shira.Cli.Commands;

/// <summary><c>shira fuse A.shira B.shira... -o OUT.shira [--force] [--weights w1,w2,...] [--values f32|f16|bf16] [--json]</c>:
/// one adapter from several, with the interaction report.</summary>
internal static class FuseCommand
{
    /// <summary>The library\'s defaults for what the command line leaves out.</summary>
    private static readonly FuseOptions Defaults = new();

    public static Command Create()
    {
        var inputs = new Argument<string[]>("ADAPTER") { Description = "Adapters to fuse", Arity = ArgumentArity.OneOrMore };
        var output = CliOptions.Output("The fused .shira file");
        var force = CliOptions.Force();
        var weights = CliOptions.Reals("--weights", "Comma-separated weights, one per adapter (default 1 each)");
        var values = ValueDTypeOption.Create("Value type of the fused adapter: f32 (default), f16 or bf16");
        var indexEncoding = IndexEncodingOption.Create();
        var command = new Command("fuse", "Fuse adapters into one (union of supports, weighted f32 sums) and report how they interact")
        {
            inputs, output, force, weights, values, indexEncoding,
        };
        command.SetAction(r => CommandRunner.Run(() =>
        {
            var paths = r.GetValue(inputs)!;
            var w = r.GetValue(weights) is { Length: > 0 } given ? given : Enumerable.Repeat(1f, paths.Length).ToArray();
            if (w.Length != paths.Length)
                throw new UsageException($"--weights: {w.Length} values for {paths.Length} adapters; expected one weight per adapter");
            var options = new FuseOptions
            {
                ValueDType = ValueDTypeOption.Parse(r.GetValue(values)) ?? Defaults.ValueDType,
                Writer = IndexEncodingOption.ToWriterOptions(r.GetValue(indexEncoding)),
            };
            string outPath = OutputPaths.ClaimFile(r.GetValue(output)!, r.GetValue(force));
            var fuse = ProgressDisplay.Run("Fusing", (RuntimeProgress p) => (p.Done, p.Total), progress =>
                AdapterFusion.Fuse(paths.Select((x, i) => (x, w[i])).ToArray(), outPath, options, progress));
            Render(fuse).Print();
            return ExitCodes.Ok;
        }));
        return command;
    }

    private static Report Render(FuseReport fuse)
    {
        var report = new Report("fuse");
        var inv = CultureInfo.InvariantCulture;
        report.Table("Inputs", [Column.Number("#"), Column.Text("Adapter"), Column.Number("Weight"), Column.Number("Positions"),
            Column.Number("Energy"), Column.Number("Energy on shared positions")], fuse.Inputs.Select((x, i) => new[]
        {
            TextFormat.Integer(i + 1), x.Path, TextFormat.Real(x.Weight), TextFormat.Integer(x.Positions), TextFormat.Real(x.Energy),
            (x.SharedEnergyShare * 100).ToString("F2", inv) + "%",
        }));
        report.Table("Interaction", [Column.Number("A"), Column.Number("B"), Column.Number("Shared positions"), Column.Number("Cosine on overlap")],
            fuse.Pairs.Select(p => new[]
            {
                TextFormat.Integer(p.A + 1), TextFormat.Integer(p.B + 1), TextFormat.Integer(p.SharedPositions),
                p.Cosine is double c ? c.ToString("F4", inv) : "-",
            }));
        report.Json["inputs"] = JsonOutput.Objects(fuse.Inputs, x => new JsonObject
        {
            ["adapter"] = x.Path, ["weight"] = JsonOutput.Number(x.Weight), ["positions"] = x.Positions,
            ["energy"] = JsonOutput.Number(x.Energy), ["shared_energy_share"] = JsonOutput.Number(x.SharedEnergyShare),
        });
        // a and b are 1-based positions in "inputs", as in the human table.
        report.Json["pairs"] = JsonOutput.Objects(fuse.Pairs, p => new JsonObject
        {
            ["a"] = p.A + 1, ["b"] = p.B + 1, ["shared_positions"] = p.SharedPositions,
            ["cosine"] = p.Cosine is double c ? JsonOutput.Number(c) : null,
        });
        report.Summary("output", fuse.OutputPath).Summary("tensor_count", fuse.Tensors).Summary("positions", fuse.Positions);
        return report;
    }
}
