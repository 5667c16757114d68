using System.CommandLine;
using Shira.Cli.Infrastructure;
using Shira.Runtime;

namespace Shira.Cli.Commands;

/// <summary><c>shira recover BASE [--json]</c>: rolls back an interrupted in-place operation (idempotent).</summary>
internal static class RecoverCommand
{
    public static Command Create()
    {
        var baseArg = new Argument<string>("BASE") { Description = "Base checkpoint (safetensors file or sharded folder)" };
        var json = new Option<bool>("--json") { Description = "Print JSON instead of tables" };
        var command = new Command("recover", "Restore a consistent base after a crash during an in-place apply, revert or switch") { baseArg, json };
        command.SetAction(r => CommandRunner.Run(() =>
        {
            string basePath = r.GetValue(baseArg)!;
            var result = BaseModel.Recover(basePath);
            var report = new Report();
            report.Summary("base", basePath).Summary("journal found", result.JournalFound)
                .Summary("operations rolled back", result.RolledBack).Summary("positions restored", result.PositionsRestored)
                .Summary("incomplete records discarded", result.Discarded)
                .Summary("still applied", result.StillApplied.Count == 0 ? "none" : string.Join(", ", result.StillApplied));
            report.Print(r.GetValue(json));
            return ExitCodes.Ok;
        }));
        return command;
    }
}
