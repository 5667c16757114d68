using System.Text.Json.Nodes;
using Spectre.Console;
using Spectre.Console.Rendering;

namespace Shira.Cli.Infrastructure;

/// <summary>
/// A command's result, printed once in one of three forms that hold the same facts: one JSON object (<c>--json</c>),
/// tables fitted to the terminal's width, or plain tab-separated rows when standard output is not a terminal.
/// JSON keys are snake_case; the human label of a summary line is its key with spaces.
/// </summary>
internal sealed class Report(string command)
{
    private readonly List<(string Title, Column[] Columns, List<string[]> Rows)> _tables = [];
    private readonly List<(string Label, string Value)> _summary = [];

    /// <summary>The command as its schema names it (<c>spec/schemas/&lt;command&gt;.schema.json</c>).</summary>
    public string Command { get; } = command;

    /// <summary>A line printed above the tables in human output (e.g. the file the report is about).</summary>
    public string? Heading { get; set; }

    /// <summary>The JSON body after <c>schema_version</c> and <c>command</c>; commands add structured data here.</summary>
    public JsonObject Json { get; } = new();

    /// <summary>A top-level JSON field that is also a summary line (label: the key with spaces).</summary>
    public Report Summary(string key, JsonNode? json, string text)
    {
        Json[key] = json;
        _summary.Add((key.Replace('_', ' '), text));
        return this;
    }

    /// <summary>A summary line for a string.</summary>
    public Report Summary(string key, string? value) => Summary(key, value, value ?? "");

    /// <summary>A summary line for an integer.</summary>
    public Report Summary(string key, long value) => Summary(key, value, TextFormat.Integer(value));

    /// <summary>A summary line for a real number (null in JSON when not finite).</summary>
    public Report Summary(string key, double value) => Summary(key, JsonOutput.Number(value), TextFormat.Real(value));

    /// <summary>A summary line for a yes/no fact.</summary>
    public Report Summary(string key, bool value) => Summary(key, value, value ? "yes" : "no");

    /// <summary>A density: a fraction in JSON, a percentage in human output.</summary>
    public Report Density(string key, double fraction) => Summary(key, JsonOutput.Number(fraction), TextFormat.Density(fraction));

    /// <summary>Adds a table for human output (JSON callers add their own structured array to <see cref="Json"/>).</summary>
    public Report Table(string title, Column[] columns, IEnumerable<string[]> rows)
    {
        _tables.Add((title, columns, rows.ToList()));
        return this;
    }

    /// <summary>Prints in the form the invocation asked for; nothing under <c>--quiet</c> (unless <c>--json</c>).</summary>
    public void Print()
    {
        var console = CliConsole.Current;
        if (console.Json) JsonOutput.Write(Command, Json);
        else if (console.Quiet) return;
        else if (console.OutputIsTerminal) PrintTables(console);
        else PrintRows(console.Output);
    }

    private void PrintTables(CliConsole console)
    {
        if (Heading is not null) console.Ansi.WriteLine(Heading);
        foreach (var (title, columns, rows) in _tables)
        {
            var table = new Table { Title = new TableTitle(Markup.Escape(title)) }.Border(TableBorder.Rounded);
            foreach (var c in columns)
            {
                var column = new TableColumn(Markup.Escape(c.Name));
                // A number is never split across lines: numeric columns keep their width, text columns wrap.
                if (c.Numeric) column.NoWrap().RightAligned();
                table.AddColumn(column);
            }
            foreach (var r in rows) table.AddRow(r.Select(cell => (IRenderable)new Text(cell)).ToArray());
            console.Ansi.Write(table);
        }
        if (_summary.Count > 0)
        {
            var table = new Table { Title = new TableTitle("Summary") }.Border(TableBorder.Rounded).HideHeaders();
            table.AddColumn(new TableColumn("key").NoWrap()).AddColumn("value");
            foreach (var (k, v) in _summary) table.AddRow(new Text(k), new Text(v));
            console.Ansi.Write(table);
        }
    }

    // Redirected output: each table is a "# title" line, a header row and tab-separated rows, so `grep`, `cut -f` and
    // `sort` work without parsing box drawing; a blank line separates tables.
    private void PrintRows(TextWriter output)
    {
        if (Heading is not null) output.WriteLine("# " + Clean(Heading));
        bool first = Heading is null;
        foreach (var (title, columns, rows) in _tables)
        {
            if (!first) output.WriteLine();
            first = false;
            output.WriteLine("# " + Clean(title));
            output.WriteLine(string.Join('\t', columns.Select(c => Clean(c.Name))));
            foreach (var r in rows) output.WriteLine(string.Join('\t', r.Select(Clean)));
        }
        if (_summary.Count > 0)
        {
            if (!first) output.WriteLine();
            output.WriteLine("# Summary");
            foreach (var (k, v) in _summary) output.WriteLine(Clean(k) + "\t" + Clean(v));
        }
    }

    private static string Clean(string cell) => cell.Replace('\t', ' ').Replace('\n', ' ').Replace('\r', ' ');
}

/// <summary>A table column: numeric columns are right-aligned and never wrapped.</summary>
internal readonly record struct Column(string Name, bool Numeric)
{
    /// <summary>A text column (may wrap on a narrow terminal).</summary>
    public static Column Text(string name) => new(name, false);

    /// <summary>A number column (kept on one line).</summary>
    public static Column Number(string name) => new(name, true);
}
