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
        var json = new Option<bool>("--json") { Description = "Print JSON instead of tables" };
        var command = new Command("revert", "Revert the last adapter applied in place (restores the original bytes exactly)") { baseArg, json };
        command.SetAction(r => CommandRunner.Run(() =>
        {
            string basePath = r.GetValue(baseArg)!;
            using var model = BaseModel.Open(basePath, BaseOpenMode.InPlace);
            var reverted = model.Revert();
            var report = new Report();
            ApplyCommand.AddStack(report, model);
            report.Summary("base", basePath).Summary("reverted", reverted.Name).Summary("source", reverted.Source)
                .Summary("positions restored", reverted.Positions).Summary("still applied", model.Applied.Count);
            report.Print(r.GetValue(json));
            return ExitCodes.Ok;
        }));
        return command;
    }
}
