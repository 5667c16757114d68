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
        var json = new Option<bool>("--json") { Description = "Print JSON instead of tables" };
        var command = new Command("inspect", "Show what a .shira adapter holds") { file, json };
        command.SetAction(result => CommandRunner.Run(() =>
        {
            var path = result.GetValue(file)!;
            using var reader = ShiraReader.Open(path);
            Build(reader, path).Print(result.GetValue(json));
            return ExitCodes.Ok;
        }));
        return command;
    }

    /// <summary>The inspect report of an open adapter (shared with tests).</summary>
    internal static Report Build(ShiraReader reader, string displayPath)
    {
        var report = new Report();
        var meta = reader.Metadata;
        long totalNnz = 0, indexBytes = 0, valueBytes = 0, numel = 0;
        var countedSets = new HashSet<int>();
        // Tensors per index set, counted once: a per-tensor scan would be quadratic in the tensor count.
        var setUsers = new Dictionary<int, int>();
        foreach (var t in reader.Tensors) setUsers[t.IndexSetId] = setUsers.GetValueOrDefault(t.IndexSetId) + 1;
        var rows = new List<string[]>();
        var tensors = new JsonArray();
        foreach (var t in reader.Tensors)
        {
            totalNnz += t.Nnz;
            numel += t.Numel;
            valueBytes += t.ValueStoredBytes;
            if (countedSets.Add(t.IndexSetId)) indexBytes += t.IndexStoredBytes;
            double density = t.Numel == 0 ? 0 : (double)t.Nnz / t.Numel;
            double bpn = t.Nnz == 0 ? 0 : (double)(t.IndexStoredBytes + t.ValueStoredBytes) / t.Nnz;
            string shape = "[" + string.Join(", ", t.Shape) + "]";
            string indexDesc = Describe(t.IndexEncoding, t.IndexSectionCodec) + (setUsers[t.IndexSetId] > 1 ? " (shared #" + t.IndexSetId + ")" : "");
            rows.Add([
                t.Name, shape, t.BaseDType.Name(), t.Semantics.ToString().ToLowerInvariant(), Report.Format(t.Scale),
                t.Nnz.ToString(CultureInfo.InvariantCulture), Percent(density), indexDesc,
                t.ValueDType.ToString().ToLowerInvariant() + (t.ValueSectionCodec == SectionCodec.None ? "" : "+lz4"),
                bpn.ToString("F2", CultureInfo.InvariantCulture), MaskText(t.Mask),
            ]);
            tensors.Add((JsonNode)new JsonObject
            {
                ["name"] = t.Name,
                ["shape"] = Report.ToNode(t.Shape),
                ["base_dtype"] = t.BaseDType.Name(),
                ["semantics"] = t.Semantics.ToString().ToLowerInvariant(),
                ["scale"] = Report.ToNode(t.Scale),
                ["nnz"] = t.Nnz,
                ["numel"] = t.Numel,
                ["density"] = density,
                ["index_encoding"] = t.IndexEncoding.ToString(),
                ["index_codec"] = t.IndexSectionCodec.ToString(),
                ["index_set"] = t.IndexSetId,
                ["index_bytes"] = t.IndexStoredBytes,
                ["value_type"] = t.ValueDType.ToString().ToLowerInvariant(),
                ["value_codec"] = t.ValueSectionCodec.ToString(),
                ["value_bytes"] = t.ValueStoredBytes,
                ["bytes_per_nonzero"] = bpn,
                ["mask"] = MaskJson(t.Mask),
            });
        }
        report.Table("Tensors", ["Tensor", "Shape", "Base", "Op", "Scale", "Nnz", "Density", "Indices", "Values", "B/nnz", "Mask"], rows);

        List<string[]> metaRows =
        [
            ["name", meta.Name], ["description", meta.Description], ["base model", meta.BaseModel],
            ["tool", (meta.Provenance.Tool + " " + meta.Provenance.ToolVersion).Trim()],
            ["source", meta.Provenance.Source], ["source format", meta.Provenance.SourceFormat],
            ["base fingerprint", meta.BaseFingerprint.Count + " tensors"],
        ];
        foreach (var (k, v) in meta.Parameters.OrderBy(p => p.Key, StringComparer.Ordinal)) metaRows.Add(["param " + k, v]);
        foreach (var (k, v) in meta.Extra.OrderBy(p => p.Key, StringComparer.Ordinal)) metaRows.Add(["extra " + k, v]);
        report.Table("Metadata", ["Key", "Value"], metaRows.Where(r => r[1].Length > 0));

        report.Json["file"] = displayPath;
        report.Json["format_version"] = reader.FormatMajor + "." + reader.FormatMinor;
        report.Json["metadata"] = new JsonObject
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
            ["base_fingerprint"] = new JsonArray(meta.BaseFingerprint.Select(f => (JsonNode)new JsonObject
            {
                ["name"] = f.Name,
                ["shape"] = Report.ToNode(f.Shape),
                ["dtype"] = f.DType.Name(),
                ["content_hash"] = f.ContentHash is { } h ? h.ToString("x16", CultureInfo.InvariantCulture) : null,
            }).ToArray()),
        };
        report.Json["tensors"] = tensors;
        double overall = totalNnz == 0 ? 0 : (double)(indexBytes + valueBytes) / totalNnz;
        report.Heading = displayPath;
        report.Summary("format", "shira " + reader.FormatMajor + "." + reader.FormatMinor)
            .Summary("file bytes", reader.FileLength)
            .Summary("tensors", reader.Tensors.Count)
            .Summary("index sets", countedSets.Count)
            .Summary("nnz", totalNnz)
            .Summary("density", numel == 0 ? 0.0 : (double)totalNnz / numel)
            .Summary("index bytes", indexBytes)
            .Summary("value bytes", valueBytes)
            .Summary("bytes per nonzero", Math.Round(overall, 4))
            .Summary("file bytes per nonzero", totalNnz == 0 ? 0.0 : Math.Round((double)reader.FileLength / totalNnz, 4));
        return report;
    }

    private static string Describe(IndexEncoding e, SectionCodec c) => e switch
    {
        IndexEncoding.RawU32 => "raw-u32",
        IndexEncoding.RawU64 => "raw-u64",
        IndexEncoding.DeltaBitPacked => "delta-bitpacked",
        IndexEncoding.DeltaVarint => "delta-varint",
        IndexEncoding.Structured => "structured",
        _ => e.ToString(),
    } + (c == SectionCodec.Lz4Block ? "+lz4" : "");

    private static string Percent(double d) => (d * 100).ToString("0.###", CultureInfo.InvariantCulture) + "%";

    private static string MaskText(MaskInfo m)
    {
        var parts = new List<string> { m.Strategy.ToString().ToLowerInvariant() };
        if (m.Rank > 0) parts.Add("r=" + m.Rank.ToString(CultureInfo.InvariantCulture));
        if (m.Seed is { } s) parts.Add("seed=" + s.ToString(CultureInfo.InvariantCulture));
        if (m.Rows.Count > 0 || m.Columns.Count > 0) parts.Add($"rows={m.Rows.Count} cols={m.Columns.Count}" + (m.Diagonal ? "+diag" : ""));
        return string.Join(" ", parts);
    }

    private static JsonObject MaskJson(MaskInfo m) => new()
    {
        ["strategy"] = m.Strategy.ToString(),
        ["density"] = m.Density,
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
