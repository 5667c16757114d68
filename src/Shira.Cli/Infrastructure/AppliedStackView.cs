using System.Text.Json.Nodes;
using Shira.Runtime;

namespace Shira.Cli.Infrastructure;

/// <summary>The printed form of a base's in-place adapter stack, shared by apply --in-place, revert and switch.</summary>
internal static class AppliedStackView
{
    /// <summary>One applied adapter as JSON: <c>adapter</c> (its file), <c>name</c> (from its metadata), <c>scale</c>, <c>positions</c>.</summary>
    public static JsonObject Json(AppliedAdapter a) => new()
    {
        ["adapter"] = a.Source,
        ["name"] = a.Name,
        ["scale"] = JsonOutput.Number(a.Scale),
        ["positions"] = a.Positions,
    };

    /// <summary>Adds the stack (oldest first) as <c>stack</c> and as a table.</summary>
    public static void Add(Report report, BaseModel model)
    {
        report.Table("Applied in place (oldest first)",
            [Column.Number("#"), Column.Text("Adapter"), Column.Text("Name"), Column.Number("Scale"), Column.Number("Positions")],
            model.Applied.Select((a, i) => new[]
            {
                TextFormat.Integer(i + 1), a.Source, a.Name, TextFormat.Real(a.Scale), TextFormat.Integer(a.Positions),
            }));
        report.Json["stack"] = JsonOutput.Objects(model.Applied, Json);
    }
}
