using System.CommandLine;
using Shira.Cli.Infrastructure;
using Shira.Convert.Peft;

namespace Shira.Cli.Commands;

/// <summary><c>shira export peft ADAPTER.shira -o DIR [--json]</c>: a PEFT SHiRA folder that PEFT loads and merges to the same weights.</summary>
internal static class ExportCommand
{
    public static Command Create()
    {
        var adapter = new Argument<string>("ADAPTER") { Description = "The .shira adapter to export" };
        var output = new Option<string>("--output", "-o") { Description = "Folder to write adapter_config.json and adapter_model.safetensors into", Required = true };
        var json = new Option<bool>("--json") { Description = "Print JSON instead of text" };
        var peft = new Command("peft", "Export as a PEFT SHiRA adapter folder") { adapter, output, json };
        peft.SetAction(r => CommandRunner.Run(() =>
        {
            var report = PeftShiraExporter.Export(r.GetValue(adapter)!, r.GetValue(output)!);
            ConvertCommand.Render(report, "Exported modules", withErrors: false).Print(r.GetValue(json));
            return ExitCodes.Ok;
        }));
        return new Command("export", "Export a .shira adapter to other formats") { peft };
    }
}
