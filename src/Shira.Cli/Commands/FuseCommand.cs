using System.CommandLine;
using System.Globalization;
using System.Text.Json.Nodes;
using Shira.Cli.Infrastructure;
using Shira.Runtime;

namespace Shira.Cli.Commands;

/// <summary><c>shira fuse A.shira B.shira... -o OUT.shira [--weights w1,w2,...] [--values f32|f16|bf16] [--json]</c>:
/// one adapter from several, with the interaction report.</summary>
internal static class FuseCommand
{
    public static Command Create()
    {
        var inputs = new Argument<string[]>("ADAPTER") { Description = "Adapters to fuse", Arity = ArgumentArity.OneOrMore };
        var output = new Option<string>("--output", "-o") { Description = "The fused .shira file", Required = true };
        var weights = new Option<string?>("--weights") { Description = "Comma-separated weights, one per adapter (default 1 each)" };
        var values = new Option<string?>("--values") { Description = "Value type of the fused adapter: f32 (default), f16 or bf16" };
        var json = new Option<bool>("--json") { Description = "Print JSON instead of tables" };
        var indexEncoding = IndexEncodingOption.Create();
        var command = new Command("fuse", "Fuse adapters into one (union of supports, weighted f32 sums) and report how they interact")
        {
            inputs, output, weights, values, indexEncoding, json,
        };
        command.SetAction(r => CommandRunner.Run(() =>
        {
            var paths = r.GetValue(inputs)!;
            var w = ParseWeights(r.GetValue(weights), paths.Length);
            var valueType = (r.GetValue(values) ?? "f32").ToLowerInvariant() switch
            {
                "f32" => Format.ValueDType.F32,
                "f16" => Format.ValueDType.F16,
                "bf16" => Format.ValueDType.BF16,
                var v => throw new UsageException($"--values must be f32, f16 or bf16, not '{v}'"),
            };
            var fuse = ProgressDisplay.Run("Fusing", p => AdapterFusion.Fuse(paths.Select((x, i) => (x, w[i])).ToArray(), r.GetValue(output)!,
                new FuseOptions { ValueDType = valueType, Writer = IndexEncodingOption.ToWriterOptions(r.GetValue(indexEncoding)) }, new ApplyCommand.Sink(x => p.Report((x.Done, x.Total)))));
            var report = new Report();
            var inv = CultureInfo.InvariantCulture;
            report.Table("Inputs", ["#", "Adapter", "Weight", "Positions", "Energy", "Energy on shared positions"], fuse.Inputs.Select((x, i) => new[]
            {
                (i + 1).ToString(inv), x.Path, Report.Format(x.Weight), x.Positions.ToString(inv), Report.Format(x.Energy),
                (x.SharedEnergyShare * 100).ToString("F2", inv) + "%",
            }));
            report.Table("Interaction", ["A", "B", "Shared positions", "Cosine on overlap"], fuse.Pairs.Select(p => new[]
            {
                (p.A + 1).ToString(inv), (p.B + 1).ToString(inv), p.SharedPositions.ToString(inv), p.Cosine is double c ? c.ToString("F4", inv) : "-",
            }));
            report.Json["inputs"] = new JsonArray(fuse.Inputs.Select(x => (JsonNode)new JsonObject
            {
                ["path"] = x.Path, ["weight"] = x.Weight, ["positions"] = x.Positions, ["energy"] = x.Energy,
                ["shared_energy_share"] = x.SharedEnergyShare,
            }).ToArray());
            report.Json["pairs"] = new JsonArray(fuse.Pairs.Select(p => (JsonNode)new JsonObject
            {
                ["a"] = p.A, ["b"] = p.B, ["shared_positions"] = p.SharedPositions, ["cosine"] = p.Cosine,
            }).ToArray());
            report.Summary("output", fuse.OutputPath).Summary("tensors", fuse.Tensors).Summary("positions", fuse.Positions);
            report.Print(r.GetValue(json));
            return ExitCodes.Ok;
        }));
        return command;
    }

    internal static float[] ParseWeights(string? text, int count)
    {
        if (text is null) return Enumerable.Repeat(1f, count).ToArray();
        var parts = text.Split(',', StringSplitOptions.TrimEntries);
        if (parts.Length != count) throw new UsageException($"--weights has {parts.Length} values for {count} adapters");
        var w = new float[count];
        for (int i = 0; i < count; i++)
            if (!float.TryParse(parts[i], NumberStyles.Float, CultureInfo.InvariantCulture, out w[i]) || !float.IsFinite(w[i]))
                throw new UsageException($"--weights: '{parts[i]}' is not a finite number");
        return w;
    }
}
