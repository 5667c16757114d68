using System.Text.Unicode;
using Google.Protobuf.Reflection;
using P = Shira.Format.Manifest.Proto;

namespace Shira.Format.Manifest;

/// <summary>
/// The wire-format check of spec/SPEC.md §6.6 ("valid protobuf"): one forward pass over the manifest bytes, driven by
/// the descriptors generated from shira.proto, that reports the first malformed byte as
/// <see cref="ShiraErrorCode.ManifestMalformed"/> before any protobuf library sees the bytes. Protobuf parsers differ
/// (or silently truncate, replace and skip) exactly where this check rejects, so a manifest that passes it means the
/// same thing to every reader.
/// </summary>
internal static class ManifestWire
{
    private const int WireVarint = 0, WireFixed64 = 1, WireLengthDelimited = 2, WireFixed32 = 5;

    /// <summary>What the pass found that is valid protobuf but not canonical (§13.2), for the caller to judge.</summary>
    public readonly record struct Findings(long FirstEmptyMessage);

    /// <summary>Checks <paramref name="bytes"/>; offsets in errors are relative to the first manifest byte. The root
    /// message is at depth 1; a message nested in it at depth 2, and so on up to <paramref name="maxDepth"/>.</summary>
    public static Findings Check(ReadOnlySpan<byte> bytes, int maxDepth)
    {
        long firstEmpty = -1;
        if (maxDepth < 1) Fail($"the recursion limit {maxDepth} leaves no room for the root message", 0);
        Message(bytes, 0, bytes.Length, Schema.Root, 1, maxDepth, ref firstEmpty);
        return new Findings(firstEmpty);
    }

    private static void Message(ReadOnlySpan<byte> b, int p, int end, Schema type, int depth, int maxDepth, ref long firstEmpty)
    {
        while (p < end)
        {
            int tagAt = p;
            ulong tag = Varint(b, ref p, end, type, 0);
            if (tag > uint.MaxValue || p - tagAt > 5)
                Fail($"a field tag in {type.Name} is longer than 32 bits", tagAt);
            int number = (int)(tag >> 3), wire = (int)(tag & 7);
            if (number == 0)
                Fail($"a field in {type.Name} has field number 0", tagAt);
            if (wire is not (WireVarint or WireFixed64 or WireLengthDelimited or WireFixed32))
                Fail(wire is 3 or 4
                    ? $"field {number} in {type.Name} uses a group wire type ({wire}), which the manifest never uses"
                    : $"field {number} in {type.Name} has the undefined wire type {wire}", tagAt);
            var field = type.Find(number);
            if (field is not null && wire != field.Wire && !(wire == WireLengthDelimited && field.Packable))
                Fail($"field {type.Name}.{field.Name} has wire type {wire}, expected {field.Wire}", tagAt);

            int valueAt = p;
            switch (wire)
            {
                case WireVarint:
                    ulong v = Varint(b, ref p, end, type, number);
                    if (field is not null) CheckScalar(field, v, valueAt);
                    break;
                case WireFixed64:
                    if (end - p < 8) Fail($"field {number} in {type.Name} is truncated (8 bytes expected)", valueAt);
                    p += 8;
                    break;
                case WireFixed32:
                    if (end - p < 4) Fail($"field {number} in {type.Name} is truncated (4 bytes expected)", valueAt);
                    p += 4;
                    break;
                default:
                    ulong length = Varint(b, ref p, end, type, number);
                    if (length > (ulong)(end - p))
                        Fail($"field {number} in {type.Name} declares {length} bytes, only {end - p} remain in its message", valueAt);
                    int from = p, to = p + (int)length;
                    p = to;
                    if (field is null) break; // unknown: opaque bytes
                    if (field.Message is { } sub)
                    {
                        if (depth + 1 > maxDepth)
                            Fail($"{sub.Name} at depth {depth + 1} exceeds the recursion limit {maxDepth}", valueAt);
                        if (length == 0 && !field.Repeated && firstEmpty < 0) firstEmpty = tagAt;
                        Message(b, from, to, sub, depth + 1, maxDepth, ref firstEmpty);
                    }
                    else if (field.Kind == FieldType.String)
                    {
                        if (!Utf8.IsValid(b[from..to]))
                            Fail($"string field {type.Name}.{field.Name} is not valid UTF-8", from);
                    }
                    else if (field.Packable)
                        Packed(b, from, to, type, field);
                    break;
            }
        }
    }

    /// <summary>A packed repeated field: whole elements of the field's wire type, each checked as a single one.</summary>
    private static void Packed(ReadOnlySpan<byte> b, int p, int end, Schema type, Field field)
    {
        if (field.Wire != WireVarint)
        {
            int size = field.Wire == WireFixed64 ? 8 : 4;
            if ((end - p) % size != 0) Fail($"packed field {field.Name} is not a whole number of {size}-byte elements", p);
            return;
        }
        while (p < end)
        {
            int at = p;
            CheckScalar(field, Varint(b, ref p, end, type, field.Number), at);
        }
    }

    /// <summary>Range rules for varint scalars: a uint32 is below 2^32; an enum (int32) is a sign-extended int32.</summary>
    private static void CheckScalar(Field field, ulong v, int at)
    {
        switch (field.Kind)
        {
            case FieldType.UInt32 when v > uint.MaxValue:
                Fail($"uint32 field {field.Name} holds {v}, above 2^32 - 1", at);
                break;
            case FieldType.Enum or FieldType.Int32 when v > int.MaxValue && v < unchecked((ulong)int.MinValue):
                Fail($"enum field {field.Name} holds {v}, which is not a 32-bit signed value", at);
                break;
        }
    }

    /// <summary>A varint of at most 10 bytes whose value fits 64 bits, inside [p, end) (field 0: a tag).</summary>
    private static ulong Varint(ReadOnlySpan<byte> b, ref int p, int end, Schema type, int number)
    {
        int start = p;
        ulong value = 0;
        for (int shift = 0; ; shift += 7)
        {
            if (p >= end) Fail($"{What(type, number)} is a truncated varint", start);
            byte x = b[p++];
            if (shift == 63 && x > 1) Fail($"{What(type, number)} is a varint above 2^64 - 1", start);
            value |= (ulong)(x & 0x7F) << shift;
            if (x < 0x80) return value; // the 10th byte is below 2 here, so a varint never exceeds 10 bytes
        }
    }

    private static string What(Schema type, int number) => number == 0 ? $"a field tag in {type.Name}" : $"field {number} in {type.Name}";

    private static void Fail(string message, long offset) =>
        throw ShiraErrors.ManifestMalformed("the manifest is not valid protobuf: " + message, offset: offset);

    /// <summary>One field of shira.proto as the pass needs it.</summary>
    private sealed class Field(FieldDescriptor d, Schema? message)
    {
        public int Number { get; } = d.FieldNumber;
        public string Name { get; } = d.Name;
        public FieldType Kind { get; } = d.FieldType;
        public bool Repeated { get; } = d.IsRepeated;
        public int Wire { get; } = WireTypeOf(d.FieldType);
        public bool Packable { get; } = d.IsRepeated && d.FieldType is not (FieldType.Message or FieldType.String or FieldType.Bytes or FieldType.Group);
        public Schema? Message { get; } = message;

        private static int WireTypeOf(FieldType t) => t switch
        {
            FieldType.Fixed64 or FieldType.SFixed64 or FieldType.Double => WireFixed64,
            FieldType.Fixed32 or FieldType.SFixed32 or FieldType.Float => WireFixed32,
            FieldType.Message or FieldType.String or FieldType.Bytes => WireLengthDelimited,
            _ => WireVarint,
        };
    }

    /// <summary>A message of shira.proto: its fields by number, built once from the generated descriptors.</summary>
    private sealed class Schema
    {
        public static Schema Root { get; } = Build(P.Manifest.Descriptor, []);

        private Field?[] _byNumber = [];
        public string Name { get; private init; } = "";

        public Field? Find(int number) => (uint)number < (uint)_byNumber.Length ? _byNumber[number] : null;

        private static Schema Build(MessageDescriptor d, Dictionary<MessageDescriptor, Schema> done)
        {
            if (done.TryGetValue(d, out var known)) return known;
            var s = new Schema { Name = d.Name };
            done[d] = s;
            var fields = d.Fields.InFieldNumberOrder();
            var byNumber = new Field?[fields.Count == 0 ? 0 : fields[^1].FieldNumber + 1];
            foreach (var f in fields)
                byNumber[f.FieldNumber] = new Field(f, f.FieldType == FieldType.Message ? Build(f.MessageType, done) : null);
            s._byNumber = byNumber;
            return s;
        }
    }
}
