using Google.Protobuf;
using Shira.Format.Container;
using P = Shira.Format.Manifest.Proto;

namespace Shira.Format.Manifest;

/// <summary>Conversions between the public model and the generated manifest messages.</summary>
internal static class ProtoMapping
{
    public static bool IsDefined(P.SectionCodec c) => c is P.SectionCodec.None or P.SectionCodec.Lz4Block;
    public static bool IsDefined(P.SectionKind k) => k is P.SectionKind.Index or P.SectionKind.Values;
    public static bool IsDefined(P.IndexEncoding e) => e is >= P.IndexEncoding.RawU32 and <= P.IndexEncoding.Structured;
    public static bool IsDefined(P.Semantics s) => s is P.Semantics.Add or P.Semantics.Replace;
    public static bool IsDefined(P.ValueType v) => v is >= P.ValueType.F32 and <= P.ValueType.Bf16;
    public static bool IsDefined(P.MaskStrategy m) => m is >= P.MaskStrategy.Unspecified and <= P.MaskStrategy.Custom;

    // The proto enums use the same numbers as the public enums on purpose (checked by a test).
    public static SectionCodec ToModel(P.SectionCodec c) => (SectionCodec)(int)c;
    public static P.SectionCodec ToProto(SectionCodec c) => (P.SectionCodec)(int)c;
    public static IndexEncoding ToModel(P.IndexEncoding e) => (IndexEncoding)(int)e;
    public static P.IndexEncoding ToProto(IndexEncoding e) => (P.IndexEncoding)(int)e;
    public static Semantics ToModel(P.Semantics s) => (Semantics)(int)s;
    public static P.Semantics ToProto(Semantics s) => (P.Semantics)(int)s;
    public static ValueDType ToModel(P.ValueType v) => (ValueDType)(int)v;
    public static P.ValueType ToProto(ValueDType v) => (P.ValueType)(int)v;
    public static MaskStrategy ToModel(P.MaskStrategy m) => (MaskStrategy)(int)m;
    public static P.MaskStrategy ToProto(MaskStrategy m) => (P.MaskStrategy)(int)m;

    /// <summary>The adapter message for <paramref name="m"/>, with every list in canonical order.</summary>
    public static P.Adapter ToProto(AdapterMetadata m)
    {
        var a = new P.Adapter { Name = m.Name, Description = m.Description, BaseModel = m.BaseModel };
        foreach (var f in m.BaseFingerprint.OrderBy(f => f.Name, Utf8Order.Instance))
        {
            var b = new P.BaseTensor { Name = f.Name, Dtype = f.DType.Name() };
            foreach (var d in f.Shape) b.Shape.Add((ulong)d);
            if (f.ContentHash is { } h) b.ContentHash = h;
            a.BaseFingerprint.Add(b);
        }
        var p = m.Provenance;
        var prov = new P.Provenance { Tool = p.Tool, ToolVersion = p.ToolVersion, Source = p.Source, SourceFormat = p.SourceFormat };
        if (!prov.Equals(new P.Provenance())) a.Provenance = prov;
        foreach (var kv in m.Parameters.OrderBy(kv => kv.Key, Utf8Order.Instance)) a.Parameters.Add(new P.KeyValue { Key = kv.Key, Value = kv.Value });
        foreach (var kv in m.Extra.OrderBy(kv => kv.Key, Utf8Order.Instance)) a.Extra.Add(new P.KeyValue { Key = kv.Key, Value = kv.Value });
        return a;
    }

    /// <summary>The mask message for <paramref name="m"/>, or null when every field has its default.</summary>
    public static P.Mask? ToProto(MaskInfo m)
    {
        var p = new P.Mask
        {
            Strategy = ToProto(m.Strategy),
            // -0.0 and +0.0 are one density; only +0.0 (the field omitted) is canonical (spec §13.2).
            DensityBits = m.Density == 0 ? 0 : (ulong)BitConverter.DoubleToInt64Bits(m.Density),
            Rank = (uint)m.Rank,
            Diagonal = m.Diagonal,
            Description = m.Description,
        };
        if (m.Seed is { } s) p.Seed = s;
        foreach (var r in m.Rows) p.Rows.Add((ulong)r);
        foreach (var c in m.Columns) p.Columns.Add((ulong)c);
        return p.Equals(new P.Mask()) ? null : p;
    }

    /// <summary>Serializes canonically (fields in number order, defaults omitted, packed repeated scalars).</summary>
    public static byte[] Serialize(IMessage message) => message.ToByteArray();
}
