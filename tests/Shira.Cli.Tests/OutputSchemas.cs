using System.Text.Json;
using System.Text.Json.Nodes;
using Json.Schema;
using Shira.Testing;

namespace Shira.Cli.Tests;

/// <summary>The JSON Schemas under spec/schemas, loaded once into their own registry, and checks every --json output
/// must pass beyond its schema (one object, snake_case keys).</summary>
internal static class OutputSchemas
{
    /// <summary>The folder of the schema files.</summary>
    public static string Folder => Path.Combine(RepoPaths.Root, "spec", "schemas");

    private static readonly Lazy<Dictionary<string, JsonSchema>> Loaded = new(Load);

    /// <summary>Every schema file's name without <c>.schema.json</c>.</summary>
    public static IReadOnlyCollection<string> Names => Loaded.Value.Keys;

    /// <summary>Asserts that <paramref name="stdout"/> is one JSON object valid against the schema of
    /// <paramref name="command"/>, with snake_case keys and the current schema_version; returns it.</summary>
    public static JsonObject AssertValid(string command, string stdout)
    {
        var node = JsonNode.Parse(stdout) as JsonObject;
        Assert.True(node is not null, "not one JSON object: " + stdout);
        Assert.Equal("1.0", (string?)node["schema_version"]);
        Assert.Equal(command, (string?)node["command"]);
        AssertSnakeCase(node, "$");
        using var doc = JsonDocument.Parse(stdout);
        // Errors before any command was recognised ("shira valdate") follow error.schema.json itself.
        var schema = Loaded.Value[command == "shira" ? "error" : command];
        var result = schema.Evaluate(doc.RootElement, new EvaluationOptions { OutputFormat = OutputFormat.List });
        Assert.True(result.IsValid, $"{command} output does not match spec/schemas/{command}.schema.json:\n{Describe(result)}\n{stdout}");
        return node;
    }

    /// <summary>Asserts an error object (error.schema.json, through the command's own schema) with this code and exit code.</summary>
    public static JsonObject AssertError(string command, (int Exit, string Out, string Err) run, string code, int exit)
    {
        var error = AssertValid(command, run.Out);
        Assert.Equal(code, (string?)error["code"]);
        Assert.Equal(exit, run.Exit);
        Assert.Equal(exit, (int)error["exit_code"]!);
        Assert.False(string.IsNullOrWhiteSpace((string?)error["message"]));
        return error;
    }

    /// <summary>Validates against one schema without the extra checks (for tests of the schemas themselves).</summary>
    public static bool IsValid(string command, string json)
    {
        using var doc = JsonDocument.Parse(json);
        return Loaded.Value[command].Evaluate(doc.RootElement).IsValid;
    }

    private static Dictionary<string, JsonSchema> Load()
    {
        var options = new BuildOptions { SchemaRegistry = new SchemaRegistry() };
        var schemas = new Dictionary<string, JsonSchema>();
        // Referenced documents first, so that every $ref resolves while a schema is built.
        var files = Directory.GetFiles(Folder, "*.schema.json")
            .OrderBy(f => Path.GetFileName(f) switch { "common.schema.json" => 0, "error.schema.json" => 1, _ => 2 })
            .ThenBy(f => f, StringComparer.Ordinal);
        foreach (var file in files)
        {
            var schema = JsonSchema.FromFile(file, options);
            schemas[Path.GetFileName(file)[..^".schema.json".Length]] = schema;
        }
        return schemas;
    }

    private static string Describe(EvaluationResults result)
    {
        var lines = new List<string>();
        void Walk(EvaluationResults r)
        {
            if (r.Errors is not null)
                foreach (var (k, v) in r.Errors) lines.Add($"{r.InstanceLocation} ({r.EvaluationPath}): {k}: {v}");
            if (r.Details is not null) foreach (var d in r.Details) Walk(d);
        }
        Walk(result);
        return string.Join("\n", lines.Distinct().Take(30));
    }

    // Keys are snake_case everywhere except inside maps whose keys are data (metadata parameters, warning figures).
    private static void AssertSnakeCase(JsonNode? node, string path)
    {
        switch (node)
        {
            case JsonObject o:
                foreach (var (k, v) in o)
                {
                    Assert.Matches("^[a-z][a-z0-9_]*$", k);
                    if (k is "parameters" or "extra" or "figures") continue;
                    AssertSnakeCase(v, path + "." + k);
                }
                break;
            case JsonArray a:
                for (int i = 0; i < a.Count; i++) AssertSnakeCase(a[i], $"{path}[{i}]");
                break;
        }
    }
}
