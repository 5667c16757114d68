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
        var json = new Option<bool>("--json") { Description = "Print JSON instead of text" };
        var command = new Command("validate", "Check .shira files against every rule of the specification") { files, json };
        command.SetAction(result => CommandRunner.Run(() => Run(result.GetValue(files)!, result.GetValue(json))));
        return command;
    }

    private static int Run(string[] paths, bool json)
    {
        var console = CliConsole.Current;
        bool anyInvalid = false, anyIo = false;
        var results = new JsonArray();
        var rows = new List<string[]>();
        foreach (var path in paths)
        {
            var report = ShiraReader.ValidateFile(path);
            bool io = report.Issues.Any(i => i.Code == ShiraErrorCode.IoError);
            anyIo |= io;
            anyInvalid |= !report.IsValid && !io;
            results.Add((JsonNode)new JsonObject
            {
                ["file"] = path,
                ["valid"] = report.IsValid,
                ["errors"] = new JsonArray(report.Issues.Select(i => (JsonNode)new JsonObject
                {
                    ["code"] = ShiraException.FormatCode(i.Code),
                    ["name"] = i.Code.ToString(),
                    ["message"] = i.Message,
                    ["tensor"] = i.Tensor,
                    ["offset"] = i.Offset,
                }).ToArray()),
            });
            if (report.IsValid)
            {
                rows.Add([path, "valid", "", ""]);
                continue;
            }
            foreach (var i in report.Issues)
            {
                rows.Add([path, ShiraException.FormatCode(i.Code) + " " + i.Code, i.Tensor ?? "", i.Offset?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? ""]);
                if (!json) console.Error.WriteLine(new ShiraException(i.Code, i.Message, path, i.Tensor, i.Offset));
            }
        }
        int exit = anyIo ? ExitCodes.UsageOrIo : anyInvalid ? ExitCodes.Invalid : ExitCodes.Ok;
        var output = new Report();
        output.Json["files"] = results;
        output.Table("Validation", ["File", "Result", "Tensor", "Offset"], rows)
            .Summary("files", paths.Length)
            .Summary("valid", results.Count(r => (bool)r!["valid"]!))
            .Summary("invalid", results.Count(r => !(bool)r!["valid"]!));
        output.Print(json);
        return exit;
    }
}
