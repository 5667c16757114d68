using System.CommandLine;
using System.Globalization;
using System.Text.Json.Nodes;
using Shira.Cli.Infrastructure;
using Shira.Convert;
using Shira.Convert.Selection;
using Shira.Format;

namespace Shira.Cli.Commands;

/// <summary>
/// <c>shira convert SOURCE -o OUT.shira [--base BASE] [--density D | --budget lora | --energy E] [--values f32|f16|bf16]
/// [--index-encoding auto|raw-u32|...] [--json]</c>:
/// a PEFT adapter folder (LoRA or SHiRA, detected from its config) to .shira.
/// </summary>
internal static class ConvertCommand
{
    public static Command Create()
    {
        var source = new Argument<string>("SOURCE") { Description = "PEFT adapter folder (adapter_config.json + adapter_model.safetensors)" };
        var output = new Option<string>("--output", "-o") { Description = "The .shira file to write", Required = true };
        var baseOpt = new Option<string?>("--base") { Description = "Base checkpoint (safetensors file or sharded folder); required for DoRA" };
        var density = new Option<double?>("--density") { Description = "Keep this fraction of each LoRA delta's entries (largest first); 1 keeps all" };
        var budget = new Option<string?>("--budget") { Description = "'lora': keep r·(in+out) entries per module, the LoRA's own parameter count (default)" };
        var energy = new Option<double?>("--energy") { Description = "Keep the fewest entries holding this fraction of each delta's squared sum" };
        var values = new Option<string?>("--values") { Description = "Value type: f32 (default for LoRA), f16 or bf16; SHiRA imports keep their own type by default" };
        var json = new Option<bool>("--json") { Description = "Print JSON instead of text" };
        var indexEncoding = IndexEncodingOption.Create();
        var command = new Command("convert", "Convert a PEFT LoRA or SHiRA adapter into .shira")
        {
            source, output, baseOpt, density, budget, energy, values, indexEncoding, json,
        };
        command.SetAction(r => CommandRunner.Run(() =>
        {
            int modes = (r.GetValue(density) is null ? 0 : 1) + (r.GetValue(budget) is null ? 0 : 1) + (r.GetValue(energy) is null ? 0 : 1);
            if (modes > 1) throw new UsageException("give at most one of --density, --budget, --energy");
            var b = r.GetValue(budget);
            if (b is not null && !b.Equals("lora", StringComparison.OrdinalIgnoreCase))
                throw new UsageException($"--budget accepts only 'lora', got '{b}'");
            var options = new ConvertOptions
            {
                BasePath = r.GetValue(baseOpt),
                Mode = r.GetValue(density) is not null ? SparsifyMode.Density : r.GetValue(energy) is not null ? SparsifyMode.Energy : SparsifyMode.LoraBudget,
                Density = r.GetValue(density) ?? 1,
                Energy = r.GetValue(energy) ?? 0.99,
                ValueDType = ParseValues(r.GetValue(values)),
                Writer = IndexEncodingOption.ToWriterOptions(r.GetValue(indexEncoding)),
            };
            bool asJson = r.GetValue(json);
            var report = ProgressDisplay.Run("Converting", p =>
                PeftConverter.Convert(r.GetValue(source)!, r.GetValue(output)!, options with
                {
                    Progress = new Sink(x => p.Report((x.Done, x.Total))),
                }));
            Render(report, "Converted tensors", withErrors: true).Print(asJson);
            return ExitCodes.Ok;
        }));
        return command;
    }

    /// <summary>Parses a --values argument (null when absent).</summary>
    internal static Format.ValueDType? ParseValues(string? text) => text?.ToLowerInvariant() switch
    {
        null => null,
        "f32" => Format.ValueDType.F32,
        "f16" => Format.ValueDType.F16,
        "bf16" => Format.ValueDType.BF16,
        _ => throw new UsageException($"--values must be f32, f16 or bf16, got '{text}'"),
    };

    /// <summary>The table and JSON form of a conversion, diff or export report.</summary>
    internal static Report Render(ConversionReport report, string title, bool withErrors)
    {
        var output = new Report();
        var tensors = new JsonArray();
        var rows = new List<string[]>();
        foreach (var t in report.Tensors)
        {
            tensors.Add((JsonNode)new JsonObject
            {
                ["tensor"] = t.Tensor,
                ["kind"] = t.Kind,
                ["shape"] = Report.ToNode(t.Shape),
                ["semantics"] = t.Semantics.ToString().ToLowerInvariant(),
                ["nnz"] = t.Nnz,
                ["numel"] = t.Numel,
                ["rank"] = t.Rank,
                ["scaling"] = t.Scaling,
                ["relative_error"] = t.RelativeError,
                ["energy_kept"] = t.EnergyKept,
            });
            var row = new List<string>
            {
                t.Tensor, t.Kind, "[" + string.Join(", ", t.Shape) + "]", t.Semantics.ToString(),
                t.Nnz.ToString(CultureInfo.InvariantCulture), Report.Format((double)t.Nnz / Math.Max(1, t.Numel)),
            };
            if (withErrors) { row.Add(Report.Format(t.RelativeError)); row.Add(Report.Format(t.EnergyKept)); }
            rows.Add(row.ToArray());
        }
        output.Json["source"] = report.Source;
        output.Json["output"] = report.Output;
        output.Json["source_format"] = report.SourceFormat;
        output.Json["tensors"] = tensors;
        output.Json["notes"] = new JsonArray(report.Notes.Select(n => (JsonNode?)JsonValue.Create(n)).ToArray());
        string[] columns = withErrors
            ? ["Tensor", "Kind", "Shape", "Semantics", "Nnz", "Density", "Rel. error", "Energy kept"]
            : ["Tensor", "Kind", "Shape", "Semantics", "Nnz", "Density"];
        output.Table(title, columns, rows)
            .Summary("source", report.Source)
            .Summary("output", report.Output)
            .Summary("format", report.SourceFormat)
            .Summary("tensors", report.Tensors.Count)
            .Summary("nnz", report.TotalNnz)
            .Summary("density", report.TotalNumel == 0 ? 0.0 : (double)report.TotalNnz / report.TotalNumel);
        if (withErrors) output.Summary("relative_error", report.RelativeError).Summary("energy_kept", report.EnergyKept);
        output.Summary("bytes", report.OutputBytes);
        if (report.Notes.Count > 0)
            output.Table("Notes", ["Note"], report.Notes.Select(n => new[] { n }));
        return output;
    }

    /// <summary>A synchronous IProgress (Progress&lt;T&gt; would post to the thread pool).</summary>
    internal sealed class Sink(Action<ConvertProgress> report) : IProgress<ConvertProgress>
    {
        public void Report(ConvertProgress value) => report(value);
    }
}
