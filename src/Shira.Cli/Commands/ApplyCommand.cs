using System.CommandLine;
using System.Diagnostics;
using System.Text.Json.Nodes;
using Shira.Cli.Infrastructure;
using Shira.Format.Container;
using Shira.Runtime;

namespace Shira.Cli.Commands;

/// <summary><c>shira apply BASE ADAPTER.shira... (-o OUT.safetensors [--force] | --in-place) [--scale S] [--json]</c>.</summary>
internal static class ApplyCommand
{
    public static Command Create()
    {
        var baseArg = new Argument<string>("BASE") { Description = "Base checkpoint (safetensors file or sharded folder)" };
        var adapters = new Argument<string[]>("ADAPTER") { Description = "One or more .shira adapters, applied in order", Arity = ArgumentArity.OneOrMore };
        var output = new Option<string?>("--output", "-o") { Description = "Write the merged model to this safetensors file (the base is not changed)" };
        var force = CliOptions.Force();
        var scale = CliOptions.Scale("Scale for every adapter's deltas (default 1)");
        var inPlace = new Option<bool>("--in-place") { Description = "Patch BASE itself, journaled (undo with `shira revert BASE`)" };
        var command = new Command("apply", "Apply adapters to a base: into a new safetensors file, or in place")
        {
            baseArg, adapters, output, force, scale, inPlace,
        };
        command.SetAction(r => CommandRunner.Run(() =>
        {
            string basePath = r.GetValue(baseArg)!;
            var list = r.GetValue(adapters)!;
            string? outPath = r.GetValue(output);
            float s = r.GetValue(scale);
            bool inplace = r.GetValue(inPlace);
            if (inplace == (outPath is not null)) throw new UsageException("give exactly one of -o OUT.safetensors or --in-place");
            var report = new Report("apply");
            if (!inplace) ToCopy(report, basePath, list, OutputPaths.ClaimFile(outPath!, r.GetValue(force)), s);
            else InPlace(report, basePath, list, s);
            report.Print();
            return ExitCodes.Ok;
        }));
        return command;
    }

    private static void ToCopy(Report report, string basePath, string[] adapters, string outPath, float scale)
    {
        var merge = ProgressDisplay.Run("Applying", (RuntimeProgress p) => (p.Done, p.Total), progress =>
            AdapterMerge.ApplyToCopy(basePath, adapters.Select(a => (a, scale)).ToArray(), outPath, progress));
        report.Table("Adapters", [Column.Text("Adapter"), Column.Number("Scale"), Column.Number("Tensors"), Column.Number("Positions")],
            merge.Adapters.Select(a => new[]
            {
                a.Path, TextFormat.Real(a.Scale), TextFormat.Integer(a.Tensors), TextFormat.Integer(a.Positions),
            }));
        report.Summary("mode", "copy").Summary("base", basePath).Summary("output", merge.OutputPath);
        report.Json["adapters"] = JsonOutput.Objects(merge.Adapters, a => new JsonObject
        {
            ["adapter"] = a.Path, ["scale"] = JsonOutput.Number(a.Scale), ["positions"] = a.Positions, ["tensor_count"] = a.Tensors,
        });
        report.Summary("tensors_written", merge.TensorsWritten).Summary("tensors_adapted", merge.TensorsAdapted)
            .Summary("bytes_written", merge.BytesWritten).Summary("seconds", Math.Round(merge.Elapsed.TotalSeconds, 3));
    }

    private static void InPlace(Report report, string basePath, string[] adapters, float scale)
    {
        var clock = Stopwatch.StartNew();
        using var model = BaseModel.Open(basePath, BaseOpenMode.InPlace);
        var applied = ProgressDisplay.Run("Applying in place", () =>
        {
            var now = new List<AppliedAdapter>(adapters.Length);
            foreach (var a in adapters)
            {
                using var reader = ShiraReader.Open(a);
                now.Add(model.Apply(reader, scale));
            }
            return now;
        });
        report.Summary("mode", "in-place").Summary("base", basePath);
        report.Json["adapters"] = JsonOutput.Objects(applied, a =>
        {
            var entry = AppliedStackView.Json(a);
            // The base dtypes its values were rounded into (an f32-made adapter on a bf16 copy reports bf16).
            entry["rounded_into"] = JsonOutput.Strings(a.RoundedInto.Select(Spellings.Of));
            return entry;
        });
        AppliedStackView.Add(report, model);
        report.Summary("stack_depth", model.Applied.Count).Summary("seconds", Math.Round(clock.Elapsed.TotalSeconds, 3));
    }
}
