using System.CommandLine;
using Shira.Cli.Infrastructure;
using Shira.Format;
using Shira.Format.Container;
using Shira.Runtime;

namespace Shira.Cli.Commands;

/// <summary><c>shira switch BASE FROM.shira TO.shira [--scale S] [--json]</c>: replaces the in-place adapter FROM by
/// TO in one pass (equal to revert + apply).</summary>
internal static class SwitchCommand
{
    public static Command Create()
    {
        var baseArg = new Argument<string>("BASE") { Description = "A base patched with `shira apply --in-place`" };
        var from = new Argument<string>("FROM") { Description = "The adapter applied now (the top of the in-place stack)" };
        var to = new Argument<string>("TO") { Description = "The adapter to switch to" };
        var scale = new Option<float>("--scale") { Description = "Scale for TO (default 1)", DefaultValueFactory = _ => 1f };
        var json = new Option<bool>("--json") { Description = "Print JSON instead of tables" };
        var command = new Command("switch", "Switch the in-place adapter FROM to TO in one pass") { baseArg, from, to, scale, json };
        command.SetAction(r => CommandRunner.Run(() =>
        {
            string basePath = r.GetValue(baseArg)!, fromPath = r.GetValue(from)!, toPath = r.GetValue(to)!;
            float s = r.GetValue(scale);
            if (!float.IsFinite(s)) throw new UsageException("--scale must be a finite number");
            var sw = System.Diagnostics.Stopwatch.StartNew();
            using var model = BaseModel.Open(basePath, BaseOpenMode.InPlace);
            if (model.Applied.Count == 0)
                throw ShiraErrors.Create(ShiraErrorCode.NotApplied,
                    "no adapter is applied in place to this base (apply one with `shira apply BASE FROM --in-place` first)", basePath);
            var top = model.Applied[^1];
            if (!File.Exists(fromPath)) throw ShiraErrors.Create(ShiraErrorCode.IoError, $"'{fromPath}' does not exist", fromPath);
            if (!top.IsSameAdapter(fromPath))
                throw ShiraErrors.Create(ShiraErrorCode.NotApplied,
                    $"the adapter applied on top is '{top.Name}' ({top.Source}), not '{fromPath}'", basePath);
            using var reader = ShiraReader.Open(toPath);
            var applied = model.Switch(reader, s);
            var report = new Report();
            ApplyCommand.AddStack(report, model);
            report.Summary("base", basePath).Summary("from", top.Name).Summary("to", applied.Name)
                .Summary("positions reverted", top.Positions).Summary("positions applied", applied.Positions)
                .Summary("seconds", Math.Round(sw.Elapsed.TotalSeconds, 3));
            report.Print(r.GetValue(json));
            return ExitCodes.Ok;
        }));
        return command;
    }
}
