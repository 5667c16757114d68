using System.Buffers;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Nodes;
using Shira.Format;

namespace Shira.Cli.Infrastructure;

/// <summary>
/// The machine interface: every <c>--json</c> output is one JSON object that starts with <c>schema_version</c> and
/// <c>command</c> and follows <c>spec/schemas/COMMAND.schema.json</c>; an error is <c>spec/schemas/error.schema.json</c>.
/// Written with <see cref="Utf8JsonWriter"/> over a <see cref="JsonObject"/> of primitives only: no reflection, so the
/// native (AOT) build writes the same bytes.
/// </summary>
internal static class JsonOutput
{
    /// <summary>MAJOR.MINOR of the output schemas (spec/schemas/README.md says what a change of each means).</summary>
    public const string SchemaVersion = "1.0";

    private static readonly JsonWriterOptions Options = new()
    {
        Indented = true,
        // Tensor names and paths print as they are (no \u002B for '+'); the output is never embedded in HTML.
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    };

    /// <summary>Writes <c>{"schema_version", "command", …body}</c> and a newline to standard output.</summary>
    public static void Write(string command, JsonObject body)
    {
        var buffer = new ArrayBufferWriter<byte>();
        using (var writer = new Utf8JsonWriter(buffer, Options))
        {
            writer.WriteStartObject();
            writer.WriteString("schema_version", SchemaVersion);
            writer.WriteString("command", command);
            foreach (var (key, value) in body)
            {
                writer.WritePropertyName(key);
                if (value is null) writer.WriteNullValue();
                else value.WriteTo(writer);
            }
            writer.WriteEndObject();
        }
        CliConsole.Current.Output.WriteLine(Encoding.UTF8.GetString(buffer.WrittenSpan));
    }

    /// <summary>Writes an error object: the same fields as a <see cref="ShiraException"/> plus the exit code.</summary>
    public static void WriteError(string command, int exitCode, ShiraErrorCode code, string message, string? file, string? tensor, long? offset)
    {
        var body = new JsonObject { ["exit_code"] = exitCode };
        foreach (var (key, value) in Issue(code, message, file, tensor, offset)) body[key] = value?.DeepClone();
        Write(command, body);
    }

    /// <summary>One error as an object (<c>code</c>, <c>name</c>, <c>file</c>, <c>tensor</c>, <c>offset</c>, <c>message</c>),
    /// as used by error outputs and by <c>validate</c>'s per-file errors.</summary>
    public static JsonObject Issue(ShiraErrorCode code, string message, string? file, string? tensor, long? offset) => new()
    {
        ["code"] = ShiraException.FormatCode(code),
        ["name"] = code.ToString(),
        ["file"] = file,
        ["tensor"] = tensor,
        ["offset"] = offset,
        ["message"] = message,
    };

    /// <summary>A finite number, or null (JSON has no NaN or infinity).</summary>
    public static JsonNode? Number(double value) => double.IsFinite(value) ? JsonValue.Create(value) : null;

    /// <summary>An array of integers (shapes).</summary>
    public static JsonArray Integers(IEnumerable<long> values)
    {
        var array = new JsonArray();
        foreach (var v in values) array.Add((JsonNode)JsonValue.Create(v));
        return array;
    }

    /// <summary>An array of strings.</summary>
    public static JsonArray Strings(IEnumerable<string> values)
    {
        var array = new JsonArray();
        foreach (var v in values) array.Add((JsonNode)JsonValue.Create(v));
        return array;
    }

    /// <summary>An array of objects.</summary>
    public static JsonArray Objects<T>(IEnumerable<T> items, Func<T, JsonObject> map)
    {
        var array = new JsonArray();
        foreach (var item in items) array.Add((JsonNode)map(item)); // the JsonNode overload: no reflection
        return array;
    }
}
