using System.CommandLine;
using System.Diagnostics;
using Shira.Cli.Infrastructure;
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
        var scale = CliOptions.Scale("Scale for TO (default 1)");
        var command = new Command("switch", "Switch the in-place adapter FROM to TO in one pass") { baseArg, from, to, scale };
        command.SetAction(r => CommandRunner.Run(() =>
        {
            string basePath = r.GetValue(baseArg)!;
            var clock = Stopwatch.StartNew();
            using var model = BaseModel.Open(basePath, BaseOpenMode.InPlace);
            var top = model.Applied.Count > 0 ? model.Applied[^1] : null;
            using var reader = ShiraReader.Open(r.GetValue(to)!);
            var applied = ProgressDisplay.Run("Switching", () => model.SwitchFrom(r.GetValue(from)!, reader, r.GetValue(scale)));
            var report = new Report("switch");
            report.Summary("base", basePath);
            report.Json["from"] = AppliedStackView.Json(top!);
            report.Json["to"] = AppliedStackView.Json(applied);
            report.Summary("from_adapter", top!.Source, top.Source).Summary("to_adapter", applied.Source, applied.Source)
                .Summary("positions_reverted", top.Positions).Summary("positions_applied", applied.Positions);
            AppliedStackView.Add(report, model);
            report.Summary("stack_depth", model.Applied.Count).Summary("seconds", Math.Round(clock.Elapsed.TotalSeconds, 3));
            report.Print();
            return ExitCodes.Ok;
        }));
        return command;
    }
}
