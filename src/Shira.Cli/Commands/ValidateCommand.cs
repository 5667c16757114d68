using System.CommandLine;
using System.Text.Json.Nodes;
using Shira.Cli.Infrastructure;
using Shira.Format;
using Shira.Format.Container;

namespace Shira.Cli.Commands;

/// <summary>
/// <c>shira validate FILE... [--json]</c>: exit 0 when every file is valid, 1 when any is invalid (each error code
/// printed), 2 for usage or I/O errors.
/// </summary>
internal static class ValidateCommand
{
    public static Command Create()
    {
        var files = new Argument<string[]>("FILE") { Description = "One or more .shira files", Arity = ArgumentArity.OneOrMore };
        var command = new Command("validate", "Check .shira files against every rule of the specification") { files };
        command.SetAction(result => CommandRunner.Run(() => Run(result.GetValue(files)!)));
        return command;
    }

    private static int Run(string[] paths)
    {
        var console = CliConsole.Current;
        bool anyInvalid = false, anyIo = false;
        int valid = 0;
        var results = new JsonArray();
        var rows = new List<string[]>();
        foreach (var path in paths)
        {
            var validation = ProgressDisplay.Run("Validating " + path, () => ShiraReader.ValidateFile(path));
            bool io = validation.Issues.Any(i => ExitCodes.For(i.Code) == ExitCodes.UsageOrIo);
            anyIo |= io;
            anyInvalid |= !validation.IsValid && !io;
            if (validation.IsValid) valid++;
            results.Add((JsonNode)new JsonObject
            {
                ["file"] = path,
                ["valid"] = validation.IsValid,
                ["errors"] = JsonOutput.Objects(validation.Issues, i => JsonOutput.Issue(i.Code, i.Message, path, i.Tensor, i.Offset)),
            });
            if (validation.IsValid)
            {
                rows.Add([path, "valid", "", "", ""]);
                continue;
            }
            foreach (var i in validation.Issues)
            {
                rows.Add([path, ShiraException.FormatCode(i.Code), i.Code.ToString(), i.Tensor ?? "", i.Offset is { } o ? TextFormat.Integer(o) : ""]);
                if (!console.Json) console.Error.WriteLine("error: " + ShiraException.FormatLine(i.Code, i.Message, path, i.Tensor, i.Offset));
            }
        }
        var report = new Report("validate");
        report.Json["files"] = results;
        report.Table("Validation", [Column.Text("File"), Column.Text("Result"), Column.Text("Error"), Column.Text("Tensor"), Column.Number("Offset")], rows)
            .Summary("valid_files", valid)
            .Summary("invalid_files", paths.Length - valid);
        report.Print();
        return anyIo ? ExitCodes.UsageOrIo : anyInvalid ? ExitCodes.Invalid : ExitCodes.Ok;
    }
}
