using System.Text.Json.Nodes;
using Shira.Convert;

namespace Shira.Cli.Infrastructure;

/// <summary>The printed form of a <see cref="ConversionReport"/>, shared by convert, diff and export.</summary>
internal static class ConversionView
{
    /// <summary>The report of a conversion (<paramref name="withErrors"/>: with relative error and energy kept).</summary>
    public static Report Render(string command, ConversionReport conversion, string title, bool withErrors)
    {
        var report = new Report(command);
        var tensors = conversion.Tensors.OrderBy(t => t.Tensor, NaturalComparer.Instance).ToList();
        var rows = new List<string[]>(tensors.Count);
        var json = new JsonArray();
        foreach (var t in tensors)
        {
            double density = t.Numel == 0 ? 0 : (double)t.Nnz / t.Numel;
            var entry = new JsonObject
            {
                ["tensor"] = t.Tensor,
                ["kind"] = t.Kind,
                ["shape"] = JsonOutput.Integers(t.Shape),
                ["semantics"] = Spellings.Of(t.Semantics),
                ["nnz"] = t.Nnz,
                ["numel"] = t.Numel,
                ["density"] = density,
                ["rank"] = t.Rank,
                ["scaling"] = JsonOutput.Number(t.Scaling),
            };
            var row = new List<string>
            {
                t.Tensor, t.Kind, TextFormat.Shape(t.Shape), Spellings.Of(t.Semantics), TextFormat.Integer(t.Nnz), TextFormat.Density(density),
            };
            if (withErrors)
            {
                entry["relative_error"] = JsonOutput.Number(t.RelativeError);
                entry["energy_kept"] = JsonOutput.Number(t.EnergyKept);
                row.Add(TextFormat.Real(t.RelativeError));
                row.Add(TextFormat.Real(t.EnergyKept));
            }
            json.Add((JsonNode)entry);
            rows.Add(row.ToArray());
        }
        Column[] columns = withErrors
            ? [Column.Text("Tensor"), Column.Text("Kind"), Column.Number("Shape"), Column.Text("Semantics"), Column.Number("Nnz"),
               Column.Number("Density"), Column.Number("Rel. error"), Column.Number("Energy kept")]
            : [Column.Text("Tensor"), Column.Text("Kind"), Column.Number("Shape"), Column.Text("Semantics"), Column.Number("Nnz"), Column.Number("Density")];
        report.Table(title, columns, rows);
        report.Summary("source", conversion.Source)
            .Summary("output", conversion.Output)
            .Summary("source_format", conversion.SourceFormat)
            .Summary("tensor_count", conversion.Tensors.Count)
            .Summary("nnz", conversion.TotalNnz)
            .Summary("numel", conversion.TotalNumel)
            .Density("density", conversion.TotalNumel == 0 ? 0.0 : (double)conversion.TotalNnz / conversion.TotalNumel);
        if (withErrors) report.Summary("relative_error", conversion.RelativeError).Summary("energy_kept", conversion.EnergyKept);
        report.Summary("output_bytes", conversion.OutputBytes);
        report.Json["tensors"] = json;
        report.Json["notes"] = JsonOutput.Strings(conversion.Notes);
        var warnings = new JsonArray();
        foreach (var w in conversion.Warnings)
        {
            var figures = new JsonObject();
            foreach (var (key, value) in w.Figures) figures[key] = JsonOutput.Number(value);
            warnings.Add((JsonNode)new JsonObject { ["kind"] = w.Kind, ["message"] = w.Message, ["tensor"] = w.Tensor, ["figures"] = figures });
        }
        report.Json["warnings"] = warnings;
        if (conversion.Notes.Count > 0) report.Table("Notes", [Column.Text("Note")], conversion.Notes.Select(n => new[] { n }));
        return report;
    }
}
