using System.Globalization;
using System.Text;

namespace Shira.Format.Safetensors;

/// <summary>
/// Writes safetensors files the official Python library loads: compact JSON header padded with spaces to a
/// multiple of 8, data in the given order, <c>__metadata__</c> first. Streaming (no seeking).
/// </summary>
public static partial class SafetensorsWriter
{
    /// <summary>Writes to a stream. Names must be unique; byte counts are checked.</summary>
    public static void Write(Stream output, IReadOnlyList<SafetensorsTensorSource> tensors,
        IReadOnlyDictionary<string, string>? metadata = null)
    {
        ArgumentNullException.ThrowIfNull(output);
        var header = BuildHeader(tensors, metadata, out long[] sizes);
        Span<byte> prefix = stackalloc byte[8];
        BinaryPrimitives.WriteUInt64LittleEndian(prefix, (ulong)header.Length);
        output.Write(prefix);
        output.Write(header);

        var counter = new CountingStream(output);
        for (int i = 0; i < tensors.Count; i++)
        {
            counter.Reset();
            tensors[i].WriteData(counter);
            if (counter.Count != sizes[i])
            {
                throw ShiraErrors.SafetensorsLengthMismatch($"tensor '{tensors[i].Name}' wrote {counter.Count} bytes but {tensors[i].DType} [{string.Join(", ", tensors[i].Shape)}] needs {sizes[i]}",
                    null, tensors[i].Name);
            }
        }
    }

    /// <summary>Writes a file atomically (sibling temp file, fsync, rename; deleted on failure).</summary>
    public static void WriteFile(string path, IReadOnlyList<SafetensorsTensorSource> tensors,
        IReadOnlyDictionary<string, string>? metadata = null)
    {
        ArgumentNullException.ThrowIfNull(path);
        // Validate before touching the disk, so bad input leaves nothing behind.
        BuildHeader(tensors, metadata, out _);
        try
        {
            // A sibling temp file then a rename: readers (and live memory maps of the old file) never see a partial file.
            IO.AtomicFile.Write(path, fs => Write(fs, tensors, metadata), bufferSize: 1 << 20);
        }
        catch (ShiraException ex) when (ex.FilePath is null)
        {
            throw ex.WithFile(path);
        }
    }

    /// <summary>The padded header bytes for these tensors (exposed for tests and for computing offsets).</summary>
    internal static byte[] BuildHeader(IReadOnlyList<SafetensorsTensorSource> tensors, IReadOnlyDictionary<string, string>? metadata, out long[] sizes)
    {
        ArgumentNullException.ThrowIfNull(tensors);
        sizes = new long[tensors.Count];
        var names = new HashSet<string>(StringComparer.Ordinal);
        var sb = new StringBuilder(64 + (64 * tensors.Count));
        sb.Append('{');
        bool first = true;
        if (metadata is { Count: > 0 })
        {
            sb.Append("\"__metadata__\":{");
            var keys = new List<string>(metadata.Keys);
            keys.Sort(StringComparer.Ordinal); // deterministic output
            for (int i = 0; i < keys.Count; i++)
            {
                if (i > 0) sb.Append(',');
                AppendString(sb, keys[i], "metadata key");
                sb.Append(':');
                AppendString(sb, metadata[keys[i]] ?? throw Usage($"metadata value of '{keys[i]}' is null"), "metadata value");
            }
            sb.Append('}');
            first = false;
        }

        long offset = 0;
        for (int i = 0; i < tensors.Count; i++)
        {
            var t = tensors[i] ?? throw Usage($"tensor #{i} is null");
            if (t.Name is null || t.Shape is null || t.WriteData is null) throw Usage($"tensor #{i} has a null name, shape or writer");
            if (t.Name == "__metadata__") throw Usage("'__metadata__' is reserved and cannot name a tensor", t.Name);
            if (!names.Add(t.Name))
                throw ShiraErrors.SafetensorsDuplicateTensor($"tensor '{t.Name}' is given twice", null, t.Name);
            if (!Enum.IsDefined(t.DType)) throw Usage($"tensor '{t.Name}' has an undefined dtype {(int)t.DType}", t.Name);

            ulong nbits = (ulong)t.DType.BitSize();
            foreach (long d in t.Shape)
            {
                if (d < 0) throw Usage($"tensor '{t.Name}' has a negative dimension {d}", t.Name);
                UInt128 p = (UInt128)nbits * (ulong)d;
                if (p > long.MaxValue) throw ShiraErrors.SafetensorsLengthMismatch($"the shape of tensor '{t.Name}' overflows", null, t.Name);
                nbits = (ulong)p;
            }
            if (nbits % 8 != 0)
                throw ShiraErrors.SafetensorsLengthMismatch($"tensor '{t.Name}' ({t.DType}) is not a whole number of bytes", null, t.Name);
            sizes[i] = (long)(nbits / 8);
            long end = offset + sizes[i];
            if (end < offset) throw ShiraErrors.SafetensorsLengthMismatch("the tensors' total size overflows", null, t.Name);

            if (!first) sb.Append(',');
            first = false;
            AppendString(sb, t.Name, "tensor name");
            sb.Append(":{\"dtype\":\"").Append(t.DType.Name()).Append("\",\"shape\":[");
            for (int k = 0; k < t.Shape.Count; k++)
            {
                if (k > 0) sb.Append(',');
                sb.Append(t.Shape[k].ToString(CultureInfo.InvariantCulture));
            }
            sb.Append("],\"data_offsets\":[").Append(offset.ToString(CultureInfo.InvariantCulture)).Append(',')
              .Append(end.ToString(CultureInfo.InvariantCulture)).Append("]}");
            offset = end;
        }
        sb.Append('}');

        int length = Encoding.UTF8.GetByteCount(sb.ToString());
        // Pad with spaces so the data area starts 8-byte aligned (8 + N ≡ 0 mod 8), as the reference does.
        int padded = checked((length + 7) & ~7);
        if (padded > SafetensorsOptions.DefaultMaxHeaderBytes)
            throw ShiraErrors.SafetensorsHeaderTooLarge($"the header would be {padded} bytes, over the readers' limit");
        var bytes = new byte[padded];
        Encoding.UTF8.GetBytes(sb.ToString(), bytes);
        bytes.AsSpan(length).Fill((byte)' ');
        return bytes;
    }

    /// <summary>JSON string the way serde_json writes it: quote, backslash and control characters escaped, the rest raw UTF-8.</summary>
    private static void AppendString(StringBuilder sb, string s, string what)
    {
        if (s is null) throw Usage($"{what} is null");
        sb.Append('"');
        for (int i = 0; i < s.Length; i++)
        {
            char c = s[i];
            if (char.IsSurrogate(c))
            {
                if (char.IsHighSurrogate(c) && i + 1 < s.Length && char.IsLowSurrogate(s[i + 1]))
                {
                    sb.Append(c).Append(s[++i]);
                    continue;
                }
                throw Usage($"{what} '{s}' is not valid UTF-16 (lone surrogate)");
            }
            switch (c)
            {
                case '"': sb.Append("\\\""); break;
                case '\\': sb.Append("\\\\"); break;
                case '\n': sb.Append("\\n"); break;
                case '\r': sb.Append("\\r"); break;
                case '\t': sb.Append("\\t"); break;
                case '\b': sb.Append("\\b"); break;
                case '\f': sb.Append("\\f"); break;
                default:
                    if (c < 0x20) sb.Append("\\u").Append(((int)c).ToString("x4", CultureInfo.InvariantCulture));
                    else sb.Append(c);
                    break;
            }
        }
        sb.Append('"');
    }

    private static ArgumentException Usage(string message, string? tensor = null) => ArgumentErrors.ForTensor(message, tensor);

    /// <summary>Forwards writes and counts them, so a callback that writes too much or too little is caught.</summary>
    private sealed class CountingStream(Stream inner) : Stream
    {
        public long Count { get; private set; }
        public void Reset() => Count = 0;
        public override bool CanRead => false;
        public override bool CanSeek => false;
        public override bool CanWrite => true;
        public override long Length => throw new NotSupportedException();
        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }
        public override void Flush() => inner.Flush();
        public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
        public override void Write(byte[] buffer, int offset, int count)
        {
            inner.Write(buffer, offset, count);
            Count += count;
        }
        public override void Write(ReadOnlySpan<byte> buffer)
        {
            inner.Write(buffer);
            Count += buffer.Length;
        }
        public override void WriteByte(byte value)
        {
            inner.WriteByte(value);
            Count++;
        }
    }
}
