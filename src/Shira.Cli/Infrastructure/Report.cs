using System.Globalization;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Nodes;
using Spectre.Console;

namespace Shira.Cli.Infrastructure;

/// <summary>
/// A command's result, printed either as Spectre tables (default) or as one JSON document (<c>--json</c>).
/// Commands build one <see cref="Report"/> and call <see cref="Print"/> once, so both forms hold the same facts.
/// </summary>
internal sealed class Report
{
    private readonly List<(string Title, string[] Columns, List<string[]> Rows)> _tables = [];
    private readonly List<(string Key, string Value)> _summary = [];

    /// <summary>A line printed above the tables in text mode (e.g. the file the report is about).</summary>
    public string? Heading { get; set; }

    /// <summary>The JSON form; commands add their structured data here.</summary>
    public JsonObject Json { get; } = new();

    /// <summary>Adds a key/value line to the summary table (and to <see cref="Json"/> under "summary").</summary>
    public Report Summary(string key, object? value)
    {
        _summary.Add((key, Format(value)));
        var summary = Json["summary"] as JsonObject ?? (JsonObject)(Json["summary"] = new JsonObject());
        summary[key] = ToNode(value);
        return this;
    }

    /// <summary>Adds a table shown in text mode (JSON callers add their own structured array to <see cref="Json"/>).</summary>
    public Report Table(string title, string[] columns, IEnumerable<string[]> rows)
    {
        _tables.Add((title, columns, rows.ToList()));
        return this;
    }

    /// <summary>Prints as JSON or tables.</summary>
    public void Print(bool json)
    {
        var console = CliConsole.Current;
        if (json)
        {
            console.Output.WriteLine(Json.ToJsonString(JsonOptions));
            return;
        }
        if (Heading is not null) console.Output.WriteLine(Heading);
        foreach (var (title, columns, rows) in _tables)
        {
            var table = new Table { Title = new TableTitle(Markup.Escape(title)) }.Border(TableBorder.Rounded);
            foreach (var c in columns) table.AddColumn(new TableColumn(Markup.Escape(c)));
            foreach (var r in rows) table.AddRow(r.Select(cell => new Text(cell)).ToArray<Spectre.Console.Rendering.IRenderable>());
            console.Ansi.Write(table);
        }
        if (_summary.Count > 0)
        {
            var table = new Table { Title = new TableTitle("Summary") }.Border(TableBorder.Rounded).HideHeaders();
            table.AddColumn("key").AddColumn("value");
            foreach (var (k, v) in _summary) table.AddRow(new Text(k), new Text(v));
            console.Ansi.Write(table);
        }
    }

    /// <summary>Invariant formatting for numbers in tables.</summary>
    public static string Format(object? value) => value switch
    {
        null => "",
        double d => d.ToString("G6", CultureInfo.InvariantCulture),
        float f => f.ToString("G6", CultureInfo.InvariantCulture),
        IFormattable f => f.ToString(null, CultureInfo.InvariantCulture),
        _ => value.ToString() ?? "",
    };

    /// <summary>Converts a CLR value to a JSON node (numbers stay numbers; NaN/Inf become strings).</summary>
    public static JsonNode? ToNode(object? value) => value switch
    {
        null => null,
        JsonNode n => n,
        string s => JsonValue.Create(s),
        bool b => JsonValue.Create(b),
        int i => JsonValue.Create(i),
        long l => JsonValue.Create(l),
        ulong u => JsonValue.Create(u),
        double d => double.IsFinite(d) ? JsonValue.Create(d) : JsonValue.Create(d.ToString(CultureInfo.InvariantCulture)),
        float f => float.IsFinite(f) ? JsonValue.Create(f) : JsonValue.Create(f.ToString(CultureInfo.InvariantCulture)),
        IEnumerable<long> xs => new JsonArray(xs.Select(x => (JsonNode?)JsonValue.Create(x)).ToArray()),
        _ => JsonValue.Create(Format(value)),
    };

    private static readonly JsonSerializerOptions JsonOptions = new()
    {
        WriteIndented = true,
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    };
}
