using Google.Protobuf;

namespace Shira.Training.Tests.Tokenization;

/// <summary>
/// Writes a SentencePiece <c>ModelProto</c> (sentencepiece_model.proto) by hand: no real .model file may be
/// committed or downloaded, and the format is three small messages. Field numbers: ModelProto.pieces = 1,
/// trainer_spec = 2, normalizer_spec = 3; SentencePiece.piece = 1, score = 2, type = 3 (NORMAL 1, UNKNOWN 2,
/// CONTROL 3, BYTE 6); TrainerSpec.model_type = 3 (UNIGRAM 1, BPE 2), vocab_size = 4, byte_fallback = 35,
/// unk_id = 40, bos_id = 41, eos_id = 42, pad_id = 43; NormalizerSpec.name = 1, add_dummy_prefix = 3,
/// remove_extra_whitespaces = 4, escape_whitespaces = 5.
/// </summary>
internal static class SentencePieceModelBuilder
{
    public const int Normal = 1, Unknown = 2, Control = 3, Byte = 6;
    public const int Unigram = 1, Bpe = 2;

    public static byte[] Build(IReadOnlyList<(string Piece, float Score, int Type)> pieces, int modelType, bool byteFallback = false)
    {
        using var ms = new MemoryStream();
        var output = new CodedOutputStream(ms);
        foreach (var (piece, score, type) in pieces)
        {
            output.WriteTag(1, WireFormat.WireType.LengthDelimited);
            output.WriteBytes(ByteString.CopyFrom(Message(o =>
            {
                o.WriteTag(1, WireFormat.WireType.LengthDelimited); o.WriteString(piece);
                o.WriteTag(2, WireFormat.WireType.Fixed32); o.WriteFloat(score);
                o.WriteTag(3, WireFormat.WireType.Varint); o.WriteInt32(type);
            })));
        }
        output.WriteTag(2, WireFormat.WireType.LengthDelimited);
        output.WriteBytes(ByteString.CopyFrom(Message(o =>
        {
            o.WriteTag(3, WireFormat.WireType.Varint); o.WriteInt32(modelType);
            o.WriteTag(4, WireFormat.WireType.Varint); o.WriteInt32(pieces.Count);
            o.WriteTag(35, WireFormat.WireType.Varint); o.WriteBool(byteFallback);
            o.WriteTag(40, WireFormat.WireType.Varint); o.WriteInt32(0);
            o.WriteTag(41, WireFormat.WireType.Varint); o.WriteInt32(1);
            o.WriteTag(42, WireFormat.WireType.Varint); o.WriteInt32(2);
            o.WriteTag(43, WireFormat.WireType.Varint); o.WriteInt32(-1);
        })));
        output.WriteTag(3, WireFormat.WireType.LengthDelimited);
        output.WriteBytes(ByteString.CopyFrom(Message(o =>
        {
            o.WriteTag(1, WireFormat.WireType.LengthDelimited); o.WriteString("identity");
            o.WriteTag(3, WireFormat.WireType.Varint); o.WriteBool(true);
            o.WriteTag(4, WireFormat.WireType.Varint); o.WriteBool(true);
            o.WriteTag(5, WireFormat.WireType.Varint); o.WriteBool(true);
        })));
        output.Flush();
        return ms.ToArray();
    }

    /// <summary>A 21-piece BPE model: specials, '▁' and seven letters, then merges scored so that
    /// "hello" and "world" each become one piece.</summary>
    public static byte[] HelloWorldBpe() => Build(
    [
        ("<unk>", 0, Unknown), ("<s>", 0, Control), ("</s>", 0, Control),
        ("▁", -10, Normal), ("h", -11, Normal), ("e", -12, Normal), ("l", -13, Normal), ("o", -14, Normal),
        ("w", -15, Normal), ("r", -16, Normal), ("d", -17, Normal),
        ("▁h", -0.1f, Normal), ("ll", -0.2f, Normal), ("▁he", -0.3f, Normal), ("llo", -0.4f, Normal),
        ("▁hello", -0.5f, Normal), ("or", -0.6f, Normal), ("▁w", -0.7f, Normal), ("▁wor", -0.8f, Normal),
        ("ld", -0.9f, Normal), ("▁world", -1.0f, Normal),
    ], Bpe);

    private static byte[] Message(Action<CodedOutputStream> write)
    {
        using var ms = new MemoryStream();
        var o = new CodedOutputStream(ms);
        write(o);
        o.Flush();
        return ms.ToArray();
    }
}
