using System.CommandLine;
using Shira.Cli.Infrastructure;
using Shira.Runtime;

namespace Shira.Cli.Commands;

/// <summary><c>shira revert BASE [--json]</c>: takes the last in-place adapter out again, bit for bit.</summary>
internal static class RevertCommand
{
    public static Command Create()
    {
        var baseArg = new Argument<string>("BASE") { Description = "A base patched with `shira apply --in-place`" };
        var command = new Command("revert", "Revert the last adapter applied in place (restores the original bytes exactly)") { baseArg };
        command.SetAction(r => CommandRunner.Run(() =>
        {
            string basePath = r.GetValue(baseArg)!;
            using var model = BaseModel.Open(basePath, BaseOpenMode.InPlace);
            var reverted = ProgressDisplay.Run("Reverting", model.Revert);
            var report = new Report("revert");
            report.Summary("base", basePath);
            report.Json["reverted"] = AppliedStackView.Json(reverted);
            report.Summary("reverted_adapter", reverted.Source, reverted.Source).Summary("positions_restored", reverted.Positions);
            AppliedStackView.Add(report, model);
            report.Summary("stack_depth", model.Applied.Count);
            report.Print();
            return ExitCodes.Ok;
        }));
        return command;
    }
}
