using System.CommandLine;
using System.Globalization;
using System.Text.Json;
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
            CliConsole.Current.Error.WriteLine("error: " + ShiraException.FormatLine(first.Code, first.Message, path, first.Tensor, first.Offset)
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
        var ordered = reader.Tensors.OrderBy(t => t.Name, NaturalComparer.Instance).ToArray();
        foreach (var t in ordered)
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
        if (json)
        {
            report.Json["metadata"] = MetadataJson(meta);
            report.StreamJson("tensors", w => WriteTensors(w, ordered));
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

    /// <summary>The tensors array, one object at a time: a node tree of 300k tensors took gigabytes.</summary>
    private static void WriteTensors(Utf8JsonWriter w, ShiraTensorInfo[] tensors)
    {
        w.WriteStartArray();
        foreach (var t in tensors)
        {
            double density = t.Numel == 0 ? 0 : (double)t.Nnz / t.Numel;
            double bpn = t.Nnz == 0 ? 0 : (double)(t.IndexStoredBytes + t.ValueStoredBytes) / t.Nnz;
            w.WriteStartObject();
            w.WriteString("tensor", t.Name);
            w.WriteStartArray("shape");
            foreach (long d in t.Shape) w.WriteNumberValue(d);
            w.WriteEndArray();
            w.WriteString("base_dtype", Spellings.Of(t.BaseDType));
            w.WriteString("semantics", Spellings.Of(t.Semantics));
            w.WritePropertyName("scale");
            if (JsonOutput.Number(t.Scale) is { } scale) scale.WriteTo(w); else w.WriteNullValue();
            w.WriteNumber("nnz", t.Nnz);
            w.WriteNumber("numel", t.Numel);
            w.WriteNumber("density", density);
            w.WriteString("index_encoding", Spellings.Of(t.IndexEncoding));
            w.WriteString("index_codec", Spellings.Of(t.IndexSectionCodec));
            w.WriteNumber("index_set", t.IndexSetId);
            w.WriteNumber("index_bytes", t.IndexStoredBytes);
            w.WriteString("value_dtype", Spellings.Of(t.ValueDType));
            w.WriteString("value_codec", Spellings.Of(t.ValueSectionCodec));
            w.WriteNumber("value_bytes", t.ValueStoredBytes);
            w.WriteNumber("bytes_per_nonzero", bpn);
            w.WritePropertyName("mask");
            MaskJson(t.Mask).WriteTo(w);
            w.WriteEndObject();
            if (w.BytesPending > 1 << 16) w.Flush();
        }
        w.WriteEndArray();
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
