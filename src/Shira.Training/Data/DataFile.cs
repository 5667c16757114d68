using System.Text;
using System.Text.Json;
using Shira.Format;

namespace Shira.Training.Data;

/// <summary>
/// A training or evaluation data file, read strictly: UTF-8 text only (a NUL byte or invalid UTF-8 is
/// <see cref="ShiraErrorCode.DataNotText"/> with the byte offset), and in JSONL every non-blank line must be an
/// object with a string <c>text</c>, or string <c>prompt</c> and <c>completion</c>
/// (<see cref="ShiraErrorCode.DataMalformed"/> naming the file and line otherwise). Nothing is skipped silently.
/// </summary>
public sealed class DataFile
{
    /// <summary>The largest data file read (1 GiB): the examples are held in memory.</summary>
    public const long MaxBytes = 1L << 30;

    private DataFile(string path, DataFileFormat format, IReadOnlyList<DataRecord> records)
    {
        Path = path;
        Format = format;
        Records = records;
    }

    /// <summary>The file read.</summary>
    public string Path { get; }
    /// <summary>The format it was read as (never <see cref="DataFileFormat.Auto"/>).</summary>
    public DataFileFormat Format { get; }
    /// <summary>The examples in file order.</summary>
    public IReadOnlyList<DataRecord> Records { get; }

    /// <summary>Number of prompt/completion examples.</summary>
    public int PromptCompletionCount
    {
        get
        {
            int n = 0;
            foreach (var r in Records) if (r.IsPromptCompletion) n++;
            return n;
        }
    }

    /// <summary>Reads and checks <paramref name="path"/>.</summary>
    public static DataFile Read(string path, DataFileFormat format = DataFileFormat.Auto)
    {
        ArgumentNullException.ThrowIfNull(path);
        byte[] bytes;
        try
        {
            var info = new FileInfo(path);
            if (!info.Exists) throw ShiraErrors.IoError(path, "the data file does not exist");
            if (info.Length > MaxBytes)
                throw ShiraErrors.DataMalformed($"the data file is {info.Length} bytes; the limit is {MaxBytes}", path);
            bytes = File.ReadAllBytes(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw ShiraErrors.IoError(path, e.Message, e);
        }
        return Parse(bytes, path, format);
    }

    /// <summary>Parses data file bytes; <paramref name="source"/> names the file in errors.</summary>
    public static DataFile Parse(ReadOnlySpan<byte> bytes, string source, DataFileFormat format = DataFileFormat.Auto)
    {
        var lines = SplitLines(bytes, source);
        if (format == DataFileFormat.Auto)
        {
            format = source.EndsWith(".jsonl", StringComparison.OrdinalIgnoreCase) ? DataFileFormat.JsonLines : DataFileFormat.PlainText;
            if (format == DataFileFormat.PlainText)
            {
                foreach (var (_, text) in lines)
                {
                    if (string.IsNullOrWhiteSpace(text)) continue;
                    if (text.TrimStart().StartsWith('{')) format = DataFileFormat.JsonLines;
                    break;
                }
            }
        }
        var records = new List<DataRecord>();
        foreach (var (line, text) in lines)
        {
            if (string.IsNullOrWhiteSpace(text)) continue;
            records.Add(format == DataFileFormat.JsonLines ? ParseJsonLine(text, line, source) : ParseTextLine(text, line));
        }
        if (records.Count == 0)
            throw ShiraErrors.DataEmpty("the data file holds no example (only blank lines)", source);
        return new DataFile(source, format, records);
    }

    private static DataRecord ParseTextLine(string text, int line)
    {
        int tab = text.IndexOf('\t', StringComparison.Ordinal);
        return tab >= 0 ? new DataRecord(line, text[..tab], text[(tab + 1)..]) : new DataRecord(line, null, text);
    }

    private static DataRecord ParseJsonLine(string text, int line, string source)
    {
        JsonDocument doc;
        try
        {
            doc = JsonDocument.Parse(text, new JsonDocumentOptions { MaxDepth = 16 });
        }
        catch (JsonException e)
        {
            throw Bad(source, line, $"not valid JSON ({e.Message})");
        }
        using (doc)
        {
            var o = doc.RootElement;
            if (o.ValueKind != JsonValueKind.Object) throw Bad(source, line, $"a JSON {o.ValueKind.ToString().ToLowerInvariant()}, not an object");
            if (o.TryGetProperty("messages", out _))
                throw Bad(source, line, "chat 'messages' are not supported; use {\"prompt\": …, \"completion\": …} or {\"text\": …}");
            bool hasText = o.TryGetProperty("text", out var t);
            bool hasPrompt = o.TryGetProperty("prompt", out var p);
            bool hasCompletion = o.TryGetProperty("completion", out var c);
            if (hasText && (hasPrompt || hasCompletion)) throw Bad(source, line, "has both 'text' and 'prompt'/'completion'");
            if (hasText) return new DataRecord(line, null, String(t, "text", source, line));
            if (hasPrompt && hasCompletion)
            {
                var prompt = String(p, "prompt", source, line, allowEmpty: true);
                return new DataRecord(line, prompt, String(c, "completion", source, line));
            }
            if (hasPrompt) throw Bad(source, line, "has 'prompt' but no 'completion'");
            if (hasCompletion) throw Bad(source, line, "has 'completion' but no 'prompt'");
            throw Bad(source, line, "needs a \"text\" field, or \"prompt\" and \"completion\"");
        }
    }

    private static string String(JsonElement e, string name, string source, int line, bool allowEmpty = false)
    {
        if (e.ValueKind != JsonValueKind.String) throw Bad(source, line, $"'{name}' is a {e.ValueKind.ToString().ToLowerInvariant()}, not a string");
        var s = e.GetString()!;
        if (!allowEmpty && s.Length == 0) throw Bad(source, line, $"'{name}' is empty: there is nothing to learn from");
        return s;
    }

    // Lines as (1-based number, text); '\n' ends a line and a trailing '\r' is dropped. Binary content is refused
    // here, with the byte offset, before any line is interpreted.
    private static List<(int Line, string Text)> SplitLines(ReadOnlySpan<byte> bytes, string source)
    {
        var strict = new UTF8Encoding(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);
        int start = bytes.StartsWith("\uFEFF"u8) ? 3 : 0;
        int nul = bytes.IndexOf((byte)0);
        if (nul >= 0)
            throw ShiraErrors.DataNotText($"a NUL byte at line {LineAt(bytes, nul)}: this is a binary file, not UTF-8 text", source, offset: nul);
        var lines = new List<(int, string)>();
        int number = 1;
        while (start <= bytes.Length)
        {
            int nl = bytes[start..].IndexOf((byte)'\n');
            int end = nl < 0 ? bytes.Length : start + nl;
            var raw = bytes[start..end];
            if (raw.Length > 0 && raw[^1] == (byte)'\r') raw = raw[..^1];
            string text;
            try
            {
                text = strict.GetString(raw);
            }
            catch (DecoderFallbackException e)
            {
                long offset = start + Math.Max(0, e.Index);
                throw ShiraErrors.DataNotText($"invalid UTF-8 at line {number}: this is not a UTF-8 text file", source, offset: offset);
            }
            lines.Add((number, text));
            if (nl < 0) break;
            start = end + 1;
            number++;
        }
        return lines;
    }

    private static int LineAt(ReadOnlySpan<byte> bytes, int offset) => bytes[..offset].Count((byte)'\n') + 1;

    private static ShiraException Bad(string source, int line, string reason) =>
        ShiraErrors.DataMalformed($"line {line}: {reason}", source);
}
