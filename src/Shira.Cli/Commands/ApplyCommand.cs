using System.CommandLine;
using System.Globalization;
using System.Text.Json.Nodes;
using Shira.Cli.Infrastructure;
using Shira.Format.Container;
using Shira.Runtime;

namespace Shira.Cli.Commands;

/// <summary><c>shira apply BASE ADAPTER.shira... (-o OUT.safetensors | --in-place) [--scale S] [--json]</c>.</summary>
internal static class ApplyCommand
{
    public static Command Create()
    {
        var baseArg = new Argument<string>("BASE") { Description = "Base checkpoint (safetensors file or sharded folder)" };
        var adapters = new Argument<string[]>("ADAPTER") { Description = "One or more .shira adapters, applied in order", Arity = ArgumentArity.OneOrMore };
        var output = new Option<string?>("--output", "-o") { Description = "Write the merged model to this safetensors file (the base is not changed)" };
        var scale = new Option<float>("--scale") { Description = "Scale for every adapter's deltas (default 1)", DefaultValueFactory = _ => 1f };
        var inPlace = new Option<bool>("--in-place") { Description = "Patch BASE itself, journaled (undo with `shira revert BASE`)" };
        var json = new Option<bool>("--json") { Description = "Print JSON instead of tables" };
        var command = new Command("apply", "Apply adapters to a base: into a new safetensors file, or in place") { baseArg, adapters, output, scale, inPlace, json };
        command.SetAction(r => CommandRunner.Run(() =>
        {
            string basePath = r.GetValue(baseArg)!;
            var list = r.GetValue(adapters)!;
            string? outPath = r.GetValue(output);
            float s = r.GetValue(scale);
            if (!float.IsFinite(s)) throw new UsageException("--scale must be a finite number");
            bool inplace = r.GetValue(inPlace);
            if (inplace == (outPath is not null)) throw new UsageException("give exactly one of -o OUT.safetensors or --in-place");
            var report = new Report();
            if (!inplace)
            {
                var merge = ProgressDisplay.Run("Applying", p =>
                    AdapterMerge.ApplyToCopy(basePath, list.Select(a => (a, s)).ToArray(), outPath!,
                        new Sink(x => p.Report((x.Done, x.Total)))));
                report.Table("Adapters", ["Adapter", "Scale", "Tensors", "Positions"], merge.Adapters.Select(a => new[]
                {
                    a.Path, Report.Format(a.Scale), a.Tensors.ToString(CultureInfo.InvariantCulture), a.Positions.ToString(CultureInfo.InvariantCulture),
                }));
                report.Json["adapters"] = new JsonArray(merge.Adapters.Select(a => (JsonNode)new JsonObject
                {
                    ["path"] = a.Path, ["scale"] = a.Scale, ["tensors"] = a.Tensors, ["positions"] = a.Positions,
                }).ToArray());
                report.Summary("base", basePath).Summary("output", merge.OutputPath).Summary("tensors written", merge.TensorsWritten)
                    .Summary("tensors adapted", merge.TensorsAdapted).Summary("bytes written", merge.BytesWritten)
                    .Summary("seconds", Math.Round(merge.Elapsed.TotalSeconds, 3));
            }
            else
            {
                var sw = System.Diagnostics.Stopwatch.StartNew();
                using var model = BaseModel.Open(basePath, BaseOpenMode.InPlace);
                foreach (var a in list)
                {
                    using var reader = ShiraReader.Open(a);
                    model.Apply(reader, s);
                }
                AddStack(report, model);
                report.Summary("base", basePath).Summary("mode", "in place (journaled)").Summary("applied now", list.Length)
                    .Summary("stack depth", model.Applied.Count).Summary("seconds", Math.Round(sw.Elapsed.TotalSeconds, 3));
            }
            report.Print(r.GetValue(json));
            return ExitCodes.Ok;
        }));
        return command;
    }

    /// <summary>Adds the applied-adapter stack of an in-place base (oldest first) to a report.</summary>
    internal static void AddStack(Report report, BaseModel model)
    {
        report.Table("Applied in place (oldest first)", ["#", "Adapter", "Source", "Scale", "Positions"], model.Applied.Select((a, i) => new[]
        {
            (i + 1).ToString(CultureInfo.InvariantCulture), a.Name, a.Source, Report.Format(a.Scale), a.Positions.ToString(CultureInfo.InvariantCulture),
        }));
        report.Json["applied"] = new JsonArray(model.Applied.Select(a => (JsonNode)new JsonObject
        {
            ["name"] = a.Name, ["source"] = a.Source, ["scale"] = a.Scale, ["positions"] = a.Positions,
        }).ToArray());
    }

    /// <summary>A direct (synchronous) progress callback.</summary>
    internal sealed class Sink(Action<RuntimeProgress> report) : IProgress<RuntimeProgress>
    {
        public void Report(RuntimeProgress value) => report(value);
    }
}
