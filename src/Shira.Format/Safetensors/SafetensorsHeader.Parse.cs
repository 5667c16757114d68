using System.Collections.ObjectModel;
using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Unicode;

namespace Shira.Format.Safetensors;

public sealed partial class SafetensorsHeader
{
    private const string MetadataKey = "__metadata__";

    // Exact safetensors spellings only (Enum.TryParse would also take "3" or "F32,I8"); a lookup is also faster.
    private static readonly Dictionary<string, DType> DTypeNames =
        Enum.GetValues<DType>().ToDictionary(t => t.Name(), t => t, StringComparer.Ordinal);

    /// <summary>Parses and validates. <paramref name="prefix"/> must hold at least the first 8 + N bytes of the file
    /// (N the declared header length; pass more, or the whole file, when unknown); <paramref name="fileLength"/> is the
    /// whole file's length. Errors name <paramref name="file"/>, the tensor and the byte offset.</summary>
    public static SafetensorsHeader Parse(ReadOnlySpan<byte> prefix, long fileLength, string file, SafetensorsOptions? options = null)
    {
        long n = ReadHeaderLength(prefix, fileLength, file, options);
        if (prefix.Length - LengthPrefixBytes < n)
            throw new ArgumentException($"the prefix holds {prefix.Length} bytes but the header needs {LengthPrefixBytes + n}", nameof(prefix));
        if (prefix.Length > fileLength)
            throw new ArgumentException("the prefix is longer than the file", nameof(prefix));

        var json = prefix.Slice(LengthPrefixBytes, (int)n);
        CheckUtf8(json, file);
        var entries = ReadJson(json, file, out var metadata);
        long dataLength = fileLength - LengthPrefixBytes - n;
        var tensors = Validate(entries, LengthPrefixBytes + n, dataLength, file);

        var byName = new Dictionary<string, SafetensorsTensorInfo>(tensors.Length, StringComparer.Ordinal);
        foreach (var t in tensors) byName.Add(t.Name, t); // names were checked unique while reading
        return new SafetensorsHeader(n, dataLength, metadata, tensors, byName);
    }

    /// <summary>Reads just the 8-byte length prefix and validates it against the file length and the cap.</summary>
    public static long ReadHeaderLength(ReadOnlySpan<byte> first8, long fileLength, string file, SafetensorsOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(file);
        long cap = (options ?? SafetensorsOptions.Default).MaxHeaderBytes;
        if (fileLength < LengthPrefixBytes)
            throw ShiraErrors.SafetensorsTooSmall($"the file is {fileLength} bytes long; a safetensors file starts with an 8-byte header length", file, null, 0);
        if (first8.Length < LengthPrefixBytes)
            throw new ArgumentException("at least 8 bytes are needed", nameof(first8));

        ulong n = BinaryPrimitives.ReadUInt64LittleEndian(first8);
        if (first8[..LengthPrefixBytes].SequenceEqual("version "u8))
            throw ShiraErrors.SafetensorsHeaderTooLarge("this is a Git LFS pointer file, not the safetensors data: fetch the real file (git lfs pull)", file, null, 0);
        if (n > (ulong)Math.Max(cap, 0))
            throw ShiraErrors.SafetensorsHeaderTooLarge($"declared header length {n} exceeds the limit of {cap} bytes", file, null, 0);
        if (n > (ulong)(fileLength - LengthPrefixBytes))
            throw ShiraErrors.SafetensorsHeaderTooLarge($"declared header length {n} runs past the end of the file ({fileLength} bytes)", file, null, 0);
        if (n > int.MaxValue - LengthPrefixBytes)
            throw ShiraErrors.SafetensorsHeaderTooLarge($"declared header length {n} is larger than this reader supports", file, null, 0);
        return (long)n;
    }

    private static void CheckUtf8(ReadOnlySpan<byte> json, string file)
    {
        if (Utf8.IsValid(json)) return;
        int pos = 0;
        while (pos < json.Length)
        {
            if (Rune.DecodeFromUtf8(json[pos..], out _, out int used) != System.Buffers.OperationStatus.Done) break;
            pos += used;
        }
        throw ShiraErrors.SafetensorsInvalidHeader("the header is not valid UTF-8", file, null, LengthPrefixBytes + pos);
    }

    /// <summary>One tensor entry as written; <see cref="KeyOffset"/> is where its name starts in the file.</summary>
    private readonly record struct RawEntry(string Name, DType DType, long[] Shape, long Begin, long End, long KeyOffset, int Order);

    private static List<RawEntry> ReadJson(ReadOnlySpan<byte> json, string file, out IReadOnlyDictionary<string, string>? metadata)
    {
        metadata = null;
        var entries = new List<RawEntry>();
        var names = new HashSet<string>(StringComparer.Ordinal);
        var reader = new Utf8JsonReader(json, new JsonReaderOptions
        {
            CommentHandling = JsonCommentHandling.Disallow,
            AllowTrailingCommas = false,
            MaxDepth = 64,
        });
        try
        {
            if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
                throw Invalid("the header is not a JSON object", file, Abs(reader.TokenStartIndex));
            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                long keyOffset = Abs(reader.TokenStartIndex);
                string name = reader.GetString()!;
                if (!names.Add(name))
                {
                    throw name == MetadataKey
                        ? Invalid("'__metadata__' appears twice", file, keyOffset)
                        : ShiraErrors.SafetensorsDuplicateTensor($"tensor '{name}' appears twice in the header", file, name, keyOffset);
                }
                reader.Read();
                if (name == MetadataKey) metadata = ReadMetadata(ref reader, file);
                else entries.Add(ReadTensor(ref reader, name, keyOffset, entries.Count, file));
            }
            // The root object is complete here; only JSON whitespace (the writer's space padding) may follow.
            if (reader.Read())
                throw Invalid("unexpected data after the header object", file, Abs(reader.TokenStartIndex));
        }
        catch (JsonException ex)
        {
            throw ShiraErrors.SafetensorsInvalidHeader("the header is not valid JSON: " + ex.Message, file, null, JsonErrorOffset(json, ex));
        }
        catch (InvalidOperationException ex)
        {
            // GetString on escapes that decode to invalid UTF-16 (lone surrogates).
            throw ShiraErrors.SafetensorsInvalidHeader("the header holds an invalid string: " + ex.Message, file, null, Abs(reader.TokenStartIndex));
        }
        return entries;
    }

    private static ReadOnlyDictionary<string, string>? ReadMetadata(ref Utf8JsonReader reader, string file)
    {
        if (reader.TokenType == JsonTokenType.Null) return null; // the reference reads `null` as "no metadata"
        if (reader.TokenType != JsonTokenType.StartObject)
            throw Invalid("'__metadata__' must be an object of strings", file, Abs(reader.TokenStartIndex));
        var map = new Dictionary<string, string>(StringComparer.Ordinal);
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            long keyOffset = Abs(reader.TokenStartIndex);
            string key = reader.GetString()!;
            reader.Read();
            if (reader.TokenType != JsonTokenType.String)
                throw Invalid($"'__metadata__' value of '{key}' is not a string", file, Abs(reader.TokenStartIndex));
            if (!map.TryAdd(key, reader.GetString()!))
                throw Invalid($"'__metadata__' key '{key}' appears twice", file, keyOffset);
        }
        return new ReadOnlyDictionary<string, string>(map);
    }

    private static RawEntry ReadTensor(ref Utf8JsonReader reader, string name, long keyOffset, int order, string file)
    {
        if (reader.TokenType != JsonTokenType.StartObject)
            throw Invalid($"the entry of tensor '{name}' is not an object", file, Abs(reader.TokenStartIndex), name);
        DType? dtype = null;
        long[]? shape = null;
        long begin = -1, end = -1;
        bool haveOffsets = false;
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            long fieldOffset = Abs(reader.TokenStartIndex);
            int field = reader.ValueTextEquals("dtype"u8) ? 0 : reader.ValueTextEquals("shape"u8) ? 1
                : reader.ValueTextEquals("data_offsets"u8) ? 2 : -1;
            reader.Read();
            switch (field)
            {
                case 0:
                    if (dtype is not null) throw Invalid($"tensor '{name}' has two 'dtype' fields", file, fieldOffset, name);
                    if (reader.TokenType != JsonTokenType.String)
                        throw Invalid($"the dtype of tensor '{name}' is not a string", file, Abs(reader.TokenStartIndex), name);
                    string s = reader.GetString()!;
                    if (!DTypeNames.TryGetValue(s, out var t))
                        throw ShiraErrors.SafetensorsUnknownDType($"tensor '{name}' has unknown dtype '{s}'", file, name, Abs(reader.TokenStartIndex));
                    dtype = t;
                    break;
                case 1:
                    if (shape is not null) throw Invalid($"tensor '{name}' has two 'shape' fields", file, fieldOffset, name);
                    shape = ReadShape(ref reader, name, file);
                    break;
                case 2:
                    if (haveOffsets) throw Invalid($"tensor '{name}' has two 'data_offsets' fields", file, fieldOffset, name);
                    (begin, end) = ReadOffsets(ref reader, name, file);
                    haveOffsets = true;
                    break;
                default:
                    // The reference reader ignores unknown fields (serde without deny_unknown_fields); so do we.
                    reader.Skip();
                    break;
            }
        }
        if (dtype is null) throw Invalid($"tensor '{name}' has no 'dtype'", file, keyOffset, name);
        if (shape is null) throw Invalid($"tensor '{name}' has no 'shape'", file, keyOffset, name);
        if (!haveOffsets) throw Invalid($"tensor '{name}' has no 'data_offsets'", file, keyOffset, name);
        return new RawEntry(name, dtype.Value, shape, begin, end, keyOffset, order);
    }

    private static long[] ReadShape(ref Utf8JsonReader reader, string name, string file)
    {
        if (reader.TokenType != JsonTokenType.StartArray)
            throw Invalid($"the shape of tensor '{name}' is not an array", file, Abs(reader.TokenStartIndex), name);
        var dims = new List<long>(4);
        while (reader.Read() && reader.TokenType != JsonTokenType.EndArray)
        {
            if (reader.TokenType != JsonTokenType.Number || !reader.TryGetUInt64(out ulong d))
                throw Invalid($"the shape of tensor '{name}' must hold non-negative integers", file, Abs(reader.TokenStartIndex), name);
            if (d > long.MaxValue)
                throw ShiraErrors.SafetensorsLengthMismatch($"dimension {d} of tensor '{name}' is too large", file, name, Abs(reader.TokenStartIndex));
            dims.Add((long)d);
        }
        return dims.ToArray();
    }

    private static (long Begin, long End) ReadOffsets(ref Utf8JsonReader reader, string name, string file)
    {
        long at = Abs(reader.TokenStartIndex);
        if (reader.TokenType != JsonTokenType.StartArray)
            throw Invalid($"the data_offsets of tensor '{name}' are not an array", file, at, name);
        Span<long> v = stackalloc long[2];
        int count = 0;
        while (reader.Read() && reader.TokenType != JsonTokenType.EndArray)
        {
            if (reader.TokenType != JsonTokenType.Number || !reader.TryGetUInt64(out ulong x))
                throw ShiraErrors.SafetensorsInvalidOffsets($"the data_offsets of tensor '{name}' must be non-negative integers", file, name, Abs(reader.TokenStartIndex));
            if (count == 2)
                throw ShiraErrors.SafetensorsInvalidOffsets($"the data_offsets of tensor '{name}' must be [begin, end]", file, name, at);
            // Offsets beyond long.MaxValue can never lie inside a file; clamp so the bounds check reports them.
            v[count++] = x > long.MaxValue ? long.MaxValue : (long)x;
        }
        if (count != 2)
            throw ShiraErrors.SafetensorsInvalidOffsets($"the data_offsets of tensor '{name}' must be [begin, end]", file, name, at);
        return (v[0], v[1]);
    }

    /// <summary>The reference <c>Metadata::validate</c>: sort by offsets, then each tensor must start where the previous
    /// ended and hold exactly numel × bits / 8 bytes (checked), and the last must end at the end of the file.</summary>
    private static SafetensorsTensorInfo[] Validate(List<RawEntry> entries, long dataStart, long dataLength, string file)
    {
        // Stable sort by (begin, end) like the reference (JSON order breaks ties between empty tensors).
        entries.Sort(static (a, b) =>
        {
            int c = a.Begin.CompareTo(b.Begin);
            if (c == 0) c = a.End.CompareTo(b.End);
            return c != 0 ? c : a.Order.CompareTo(b.Order);
        });

        var result = new SafetensorsTensorInfo[entries.Count];
        long start = 0;
        for (int i = 0; i < entries.Count; i++)
        {
            var e = entries[i];
            if (e.Begin != start)
            {
                throw ShiraErrors.SafetensorsInvalidOffsets(e.Begin < start
                        ? $"tensor '{e.Name}' data_offsets [{e.Begin}, {e.End}] overlap the previous tensor, which ends at {start}"
                        : $"tensor '{e.Name}' data_offsets [{e.Begin}, {e.End}] leave a gap: the previous tensor ends at {start}",
                    file, e.Name, AbsData(dataStart, start));
            }
            if (e.End < e.Begin)
                throw ShiraErrors.SafetensorsInvalidOffsets($"tensor '{e.Name}' data_offsets [{e.Begin}, {e.End}] end before they begin", file, e.Name, AbsData(dataStart, e.Begin));
            start = e.End;

            ulong numel = 1;
            bool overflow = false;
            foreach (long d in e.Shape)
            {
                // Same fold as the reference (u64 checked_mul, left to right): [2^40, 2^40, 0] overflows.
                if (!TryMultiply(numel, (ulong)d, out numel)) { overflow = true; break; }
            }
            int bits = e.DType.BitSize();
            if (overflow || !TryMultiply(numel, (ulong)bits, out ulong nbits))
                throw ShiraErrors.SafetensorsLengthMismatch($"the shape [{ShapeText(e.Shape)}] of tensor '{e.Name}' overflows", file, e.Name, AbsData(dataStart, e.Begin));
            if (nbits % 8 != 0)
                throw ShiraErrors.SafetensorsLengthMismatch($"tensor '{e.Name}' ({e.DType}, {numel} elements) is not a whole number of bytes", file, e.Name, AbsData(dataStart, e.Begin));
            ulong size = nbits / 8;
            if ((ulong)(e.End - e.Begin) != size)
                throw ShiraErrors.SafetensorsLengthMismatch($"tensor '{e.Name}' ({e.DType} [{ShapeText(e.Shape)}]) needs {size} bytes but data_offsets [{e.Begin}, {e.End}] hold {e.End - e.Begin}",
                    file, e.Name, AbsData(dataStart, e.Begin));
            if (e.End > dataLength)
                throw ShiraErrors.SafetensorsInvalidOffsets($"tensor '{e.Name}' data_offsets [{e.Begin}, {e.End}] run past the end of the data area ({dataLength} bytes)",
                    file, e.Name, AbsData(dataStart, e.Begin));
            result[i] = new SafetensorsTensorInfo(e.Name, e.DType, Array.AsReadOnly(e.Shape), e.Begin, e.End);
        }
        if (start != dataLength)
        {
            throw ShiraErrors.SafetensorsInvalidOffsets($"the tensors cover {start} of the {dataLength} data bytes: the data area must be covered exactly",
                file, entries.Count == 0 ? null : entries[^1].Name, AbsData(dataStart, start));
        }
        return result;
    }

    private static bool TryMultiply(ulong a, ulong b, out ulong product)
    {
        UInt128 p = (UInt128)a * b;
        product = (ulong)p;
        return p <= ulong.MaxValue;
    }

    private static string ShapeText(long[] shape) => string.Join(", ", shape.Select(d => d.ToString(CultureInfo.InvariantCulture)));

    /// <summary>Absolute file offset of a JSON token.</summary>
    private static long Abs(long tokenIndex) => LengthPrefixBytes + tokenIndex;

    /// <summary>Absolute file offset of a data-area offset, saturating (offsets from a hostile header can be huge).</summary>
    private static long AbsData(long dataStart, long relative) =>
        relative > long.MaxValue - dataStart ? long.MaxValue : dataStart + relative;

    /// <summary>Turns JsonException's (line, byte in line) into an absolute file offset.</summary>
    private static long JsonErrorOffset(ReadOnlySpan<byte> json, JsonException ex)
    {
        long line = ex.LineNumber ?? 0, inLine = ex.BytePositionInLine ?? 0, lineStart = 0;
        for (int i = 0; i < json.Length && line > 0; i++)
        {
            if (json[i] == (byte)'\n')
            {
                line--;
                lineStart = i + 1;
            }
        }
        return LengthPrefixBytes + Math.Min(lineStart + inLine, json.Length);
    }

    private static ShiraException Invalid(string message, string file, long offset, string? tensor = null) =>
        ShiraErrors.SafetensorsInvalidHeader(message, file, tensor, offset);
}
