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
        var command = new Command("recover", "Restore a consistent base after a crash during an in-place apply, revert or switch") { baseArg };
        command.SetAction(r => CommandRunner.Run(() =>
        {
            string basePath = r.GetValue(baseArg)!;
            // A missing base is an I/O error (E9001) as in every other command; the runtime says so itself once it
            // checks the path (it returned "no journal found" for a path that does not exist).
            if (!File.Exists(basePath) && !Directory.Exists(basePath))
                throw Format.ShiraErrors.IoError(basePath, "it does not exist");
            var result = ProgressDisplay.Run("Recovering", () => BaseModel.Recover(basePath));
            var report = new Report("recover");
            report.Summary("base", basePath).Summary("journal_found", result.JournalFound)
                .Summary("rolled_back", result.RolledBack).Summary("positions_restored", result.PositionsRestored)
                .Summary("discarded", result.Discarded)
                .Summary("still_applied", JsonOutput.Strings(result.StillApplied),
                    result.StillApplied.Count == 0 ? "none" : string.Join(", ", result.StillApplied));
            report.Print();
            return ExitCodes.Ok;
        }));
        return command;
    }
}
