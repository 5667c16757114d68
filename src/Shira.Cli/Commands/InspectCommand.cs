using System.CommandLine;
using System.Globalization;
using System.Text.Json.Nodes;
using Shira.Cli.Infrastructure;
using Shira.Format;
using Shira.Format.Container;

namespace Shira.Cli.Commands;

/// <summary><c>shira inspect FILE [--json]</c>: tensors, shapes, nnz, density, encodings, bytes per nonzero, metadata.</summary>
internal static class InspectCommand
{
    public static Command Create()
    {
        var file = new Argument<string>("FILE") { Description = "A .shira adapter" };
        var command = new Command("inspect", "Show what a .shira adapter holds") { file };
        command.SetAction(result => CommandRunner.Run(() =>
        {
            var path = result.GetValue(file)!;
            using var reader = ProgressDisplay.Run("Reading", () => ShiraReader.Open(path));
            Build(reader, path, CliConsole.Current.Json).Print();
            // Opening checks the layout and manifest only; the data sections are checked here so that a corrupt file
            // never passes inspect silently: what could be read is printed, then the first problem, exit 1.
            var check = reader.Validate();
            if (check.IsValid) return ExitCodes.Ok;
            var first = check.Issues[0];
            CliConsole.Current.Error.WriteLine("error: " + new ShiraException(first.Code, first.Message, path, first.Tensor, first.Offset)
                + (check.Issues.Count > 1 ? $" (and {check.Issues.Count - 1} more; run `shira validate`)" : ""));
            return ExitCodes.For(first.Code);
        }));
        return command;
    }

    /// <summary>The inspect report of an open adapter; only the form that will be printed is built (a file may hold
    /// hundreds of thousands of tensors).</summary>
    internal static Report Build(ShiraReader reader, string displayPath, bool json)
    {
        var report = new Report("inspect");
        var meta = reader.Metadata;
        long totalNnz = 0, indexBytes = 0, valueBytes = 0, numel = 0;
        var countedSets = new HashSet<int>();
        // Tensors per index set, counted once: a per-tensor scan would be quadratic in the tensor count.
        var setUsers = new Dictionary<int, int>();
        foreach (var t in reader.Tensors) setUsers[t.IndexSetId] = setUsers.GetValueOrDefault(t.IndexSetId) + 1;
        var rows = json ? null : new List<string[]>(reader.Tensors.Count);
        var tensors = json ? new JsonArray() : null;
        foreach (var t in reader.Tensors.OrderBy(t => t.Name, NaturalComparer.Instance))
        {
            totalNnz += t.Nnz;
            numel += t.Numel;
            valueBytes += t.ValueStoredBytes;
            if (countedSets.Add(t.IndexSetId)) indexBytes += t.IndexStoredBytes;
            double density = t.Numel == 0 ? 0 : (double)t.Nnz / t.Numel;
            double bpn = t.Nnz == 0 ? 0 : (double)(t.IndexStoredBytes + t.ValueStoredBytes) / t.Nnz;
            rows?.Add([
                t.Name, TextFormat.Shape(t.Shape), Spellings.Of(t.BaseDType), Spellings.Of(t.Semantics), TextFormat.Real(t.Scale),
                TextFormat.Integer(t.Nnz), TextFormat.Density(density),
                Spellings.Of(t.IndexEncoding) + Codec(t.IndexSectionCodec) + (setUsers[t.IndexSetId] > 1 ? " (shared #" + t.IndexSetId + ")" : ""),
                Spellings.Of(t.ValueDType) + Codec(t.ValueSectionCodec),
                bpn.ToString("F2", CultureInfo.InvariantCulture), MaskText(t.Mask),
            ]);
            tensors?.Add((JsonNode)new JsonObject
            {
                ["tensor"] = t.Name,
                ["shape"] = JsonOutput.Integers(t.Shape),
                ["base_dtype"] = Spellings.Of(t.BaseDType),
                ["semantics"] = Spellings.Of(t.Semantics),
                ["scale"] = JsonOutput.Number(t.Scale),
                ["nnz"] = t.Nnz,
                ["numel"] = t.Numel,
                ["density"] = density,
                ["index_encoding"] = Spellings.Of(t.IndexEncoding),
                ["index_codec"] = Spellings.Of(t.IndexSectionCodec),
                ["index_set"] = t.IndexSetId,
                ["index_bytes"] = t.IndexStoredBytes,
                ["value_dtype"] = Spellings.Of(t.ValueDType),
                ["value_codec"] = Spellings.Of(t.ValueSectionCodec),
                ["value_bytes"] = t.ValueStoredBytes,
                ["bytes_per_nonzero"] = bpn,
                ["mask"] = MaskJson(t.Mask),
            });
        }
        report.Heading = displayPath;
        if (rows is not null)
        {
            report.Table("Tensors",
                [Column.Text("Tensor"), Column.Number("Shape"), Column.Text("Base"), Column.Text("Op"), Column.Number("Scale"), Column.Number("Nnz"),
                 Column.Number("Density"), Column.Text("Indices"), Column.Text("Values"), Column.Number("B/nnz"), Column.Text("Mask")], rows);
            report.Table("Metadata", [Column.Text("Key"), Column.Text("Value")], MetadataRows(meta).Where(r => r[1].Length > 0));
        }

        report.Summary("file", displayPath).Summary("format_version", reader.FormatMajor + "." + reader.FormatMinor)
            .Summary("file_bytes", reader.FileLength)
            .Summary("tensor_count", reader.Tensors.Count)
            .Summary("index_sets", countedSets.Count)
            .Summary("nnz", totalNnz)
            .Summary("numel", numel)
            .Density("density", numel == 0 ? 0.0 : (double)totalNnz / numel)
            .Summary("index_bytes", indexBytes)
            .Summary("value_bytes", valueBytes)
            .Summary("bytes_per_nonzero", totalNnz == 0 ? 0.0 : Math.Round((double)(indexBytes + valueBytes) / totalNnz, 4))
            .Summary("file_bytes_per_nonzero", totalNnz == 0 ? 0.0 : Math.Round((double)reader.FileLength / totalNnz, 4));
        if (tensors is not null)
        {
            report.Json["metadata"] = MetadataJson(meta);
            report.Json["tensors"] = tensors;
        }
        return report;
    }

    private static List<string[]> MetadataRows(AdapterMetadata meta)
    {
        List<string[]> rows =
        [
            ["name", meta.Name], ["description", meta.Description], ["base model", meta.BaseModel],
            ["tool", (meta.Provenance.Tool + " " + meta.Provenance.ToolVersion).Trim()],
            ["source", meta.Provenance.Source], ["source format", meta.Provenance.SourceFormat],
            ["base fingerprint", TextFormat.Integer(meta.BaseFingerprint.Count) + " tensors"],
        ];
        foreach (var (k, v) in meta.Parameters.OrderBy(p => p.Key, StringComparer.Ordinal)) rows.Add(["param " + k, v]);
        foreach (var (k, v) in meta.Extra.OrderBy(p => p.Key, StringComparer.Ordinal)) rows.Add(["extra " + k, v]);
        return rows;
    }

    private static JsonObject MetadataJson(AdapterMetadata meta) => new()
    {
        ["name"] = meta.Name,
        ["description"] = meta.Description,
        ["base_model"] = meta.BaseModel,
        ["provenance"] = new JsonObject
        {
            ["tool"] = meta.Provenance.Tool,
            ["tool_version"] = meta.Provenance.ToolVersion,
            ["source"] = meta.Provenance.Source,
            ["source_format"] = meta.Provenance.SourceFormat,
        },
        ["parameters"] = Dict(meta.Parameters),
        ["extra"] = Dict(meta.Extra),
        ["base_fingerprint"] = JsonOutput.Objects(meta.BaseFingerprint.OrderBy(f => f.Name, NaturalComparer.Instance), f => new JsonObject
        {
            ["tensor"] = f.Name,
            ["shape"] = JsonOutput.Integers(f.Shape),
            ["dtype"] = Spellings.Of(f.DType),
            ["content_hash"] = f.ContentHash is { } h ? h.ToString("x16", CultureInfo.InvariantCulture) : null,
        }),
    };

    private static string Codec(SectionCodec c) => c == SectionCodec.None ? "" : "+" + Spellings.Of(c);

    private static string MaskText(MaskInfo m)
    {
        var parts = new List<string> { Spellings.Of(m.Strategy) };
        if (m.Rank > 0) parts.Add("r=" + m.Rank.ToString(CultureInfo.InvariantCulture));
        if (m.Seed is { } s) parts.Add("seed=" + s.ToString(CultureInfo.InvariantCulture));
        if (m.Rows.Count > 0 || m.Columns.Count > 0) parts.Add($"rows={m.Rows.Count} cols={m.Columns.Count}" + (m.Diagonal ? "+diag" : ""));
        return string.Join(" ", parts);
    }

    private static JsonObject MaskJson(MaskInfo m) => new()
    {
        ["strategy"] = Spellings.Of(m.Strategy),
        ["density"] = JsonOutput.Number(m.Density),
        ["seed"] = m.Seed is { } s ? JsonValue.Create(s) : null,
        ["rank"] = m.Rank,
        ["rows"] = m.Rows.Count,
        ["columns"] = m.Columns.Count,
        ["diagonal"] = m.Diagonal,
        ["description"] = m.Description,
    };

    private static JsonObject Dict(IReadOnlyDictionary<string, string> d)
    {
        var o = new JsonObject();
        foreach (var (k, v) in d.OrderBy(p => p.Key, StringComparer.Ordinal)) o[k] = v;
        return o;
    }
}
