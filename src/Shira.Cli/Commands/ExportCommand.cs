using System.CommandLine;
using Shira.Cli.Infrastructure;
using Shira.Convert.Peft;

namespace Shira.Cli.Commands;

/// <summary><c>shira export peft ADAPTER.shira -o DIR [--force] [--json]</c>: a PEFT SHiRA folder that PEFT loads and merges to the same weights.</summary>
internal static class ExportCommand
{
    public static Command Create()
    {
        var adapter = new Argument<string>("ADAPTER") { Description = "The .shira adapter to export" };
        var output = CliOptions.Output("Folder to write adapter_config.json and adapter_model.safetensors into");
        var force = CliOptions.Force();
        var peft = new Command("peft", "Export as a PEFT SHiRA adapter folder") { adapter, output, force };
        peft.SetAction(r => CommandRunner.Run(() =>
        {
            string outDir = OutputPaths.ClaimFolder(r.GetValue(output)!, r.GetValue(force), "adapter_config.json", "adapter_model.safetensors");
            var export = ProgressDisplay.Run("Exporting", () => PeftShiraExporter.Export(r.GetValue(adapter)!, outDir));
            ConversionView.Render("export", export, "Exported modules", withErrors: false).Print();
            return ExitCodes.Ok;
        }));
        return new Command("export", "Export a .shira adapter to other formats") { peft };
    }
}
