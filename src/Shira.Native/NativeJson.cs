using System.Buffers;
using System.Text;
using System.Text.Json;
using Shira.Format.Container;

namespace Shira.Native;

/// <summary>The JSON strings of the C interface, written with <see cref="Utf8JsonWriter"/> (no reflection, so
/// nothing for the AOT compiler to trim away). Keys are snake_case; numbers are numbers.</summary>
internal static class NativeJson
{
    public static string Tensors(ShiraReader reader) => Write(w =>
    {
        w.WriteStartArray();
        foreach (var t in reader.Tensors)
        {
            w.WriteStartObject();
            w.WriteString("name", t.Name);
            WriteShape(w, t.Shape);
            w.WriteNumber("numel", t.Numel);
            w.WriteNumber("nnz", t.Nnz);
            w.WriteString("value_dtype", t.ValueDType.ToString().ToLowerInvariant());
            w.WriteString("base_dtype", t.BaseDType.Name());
            w.WriteString("semantics", t.Semantics == Semantics.Add ? "add" : "replace");
            w.WriteNumber("scale", t.Scale);
            w.WriteString("index_encoding", t.IndexEncoding.ToString());
            w.WriteNumber("index_set", t.IndexSetId);
            w.WriteEndObject();
        }
        w.WriteEndArray();
    });

    private static void WriteShape(Utf8JsonWriter w, IEnumerable<long> shape)
    {
        w.WriteStartArray("shape");
        foreach (long d in shape) w.WriteNumberValue(d);
        w.WriteEndArray();
    }

    public static string Metadata(ShiraReader reader) => Write(w =>
    {
        var m = reader.Metadata;
        w.WriteStartObject();
        w.WriteString("format_version", $"{reader.FormatMajor}.{reader.FormatMinor}");
        w.WriteString("name", m.Name);
        w.WriteString("description", m.Description);
        w.WriteString("base_model", m.BaseModel);
        w.WriteStartArray("base_fingerprint");
        foreach (var fp in m.BaseFingerprint)
        {
            w.WriteStartObject();
            w.WriteString("name", fp.Name);
            WriteShape(w, fp.Shape);
            w.WriteString("dtype", fp.DType.Name());
            if (fp.ContentHash is ulong h) w.WriteString("content_hash", h.ToString("x16", System.Globalization.CultureInfo.InvariantCulture));
            else w.WriteNull("content_hash");
            w.WriteEndObject();
        }
        w.WriteEndArray();
        w.WriteStartObject("provenance");
        w.WriteString("tool", m.Provenance.Tool);
        w.WriteString("tool_version", m.Provenance.ToolVersion);
        w.WriteString("source", m.Provenance.Source);
        w.WriteString("source_format", m.Provenance.SourceFormat);
        w.WriteEndObject();
        WriteMap(w, "parameters", m.Parameters);
        WriteMap(w, "extra", m.Extra);
        w.WriteEndObject();
    });

    public static string Issues(ValidationReport report) => Write(w =>
    {
        w.WriteStartArray();
        foreach (var i in report.Issues)
        {
            w.WriteStartObject();
            w.WriteString("code", ShiraException.FormatCode(i.Code));
            w.WriteString("name", i.Code.ToString());
            if (i.Tensor is null) w.WriteNull("tensor"); else w.WriteString("tensor", i.Tensor);
            if (i.Offset is long o) w.WriteNumber("offset", o); else w.WriteNull("offset");
            w.WriteString("message", i.Message);
            w.WriteEndObject();
        }
        w.WriteEndArray();
    });

    private static void WriteMap(Utf8JsonWriter w, string name, IReadOnlyDictionary<string, string> map)
    {
        w.WriteStartObject(name);
        var keys = map.Keys.ToArray();
        Array.Sort(keys, StringComparer.Ordinal);
        foreach (var k in keys) w.WriteString(k, map[k]);
        w.WriteEndObject();
    }

    private static string Write(Action<Utf8JsonWriter> body)
    {
        var buffer = new ArrayBufferWriter<byte>();
        using (var w = new Utf8JsonWriter(buffer, new JsonWriterOptions { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping }))
            body(w);
        return Encoding.UTF8.GetString(buffer.WrittenSpan);
    }
}
