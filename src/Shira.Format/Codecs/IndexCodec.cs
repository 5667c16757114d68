using System.Numerics;

namespace Shira.Format.Codecs;

/// <summary>
/// Encoders and decoders for index sets: flat row-major positions, strictly increasing, each below the tensor's
/// element count. Encoded bytes are self-describing given (encoding, count, numel): any block size or bit width
/// lives inside them. Decoders validate everything they read and throw <see cref="ShiraException"/>
/// (<see cref="ShiraErrorCode.IndexEncodingCorrupt"/>, <see cref="ShiraErrorCode.IndexOutOfRange"/>,
/// <see cref="ShiraErrorCode.IndexNotIncreasing"/>, <see cref="ShiraErrorCode.BadDecodedLength"/>) with
/// <see cref="ShiraException.Offset"/> relative to the start of the encoded bytes; they never read or write outside
/// the given spans. <see cref="IndexEncoding.Structured"/> sets have no encoded bytes: see <see cref="StructuredMask"/>.
/// The byte layouts are specified in spec/SPEC.md (§Index encodings).
/// </summary>
public static partial class IndexCodec
{
    /// <summary>Encodes <paramref name="indices"/> (validated: strictly increasing, below <paramref name="numel"/>).</summary>
    public static byte[] Encode(IndexEncoding encoding, ReadOnlySpan<long> indices, long numel)
    {
        ValidateInput(indices, numel);
        return EncodeValidated(encoding, indices, numel);
    }

    /// <summary><see cref="Encode"/> for indices the caller has already put through <see cref="ValidateInput"/>
    /// (the writer checks each tensor's indices once).</summary>
    internal static byte[] EncodeValidated(IndexEncoding encoding, ReadOnlySpan<long> indices, long numel)
    {
        // The Rice plan (every block's k) is made once and reused for writing.
        byte[]? riceKs = encoding == IndexEncoding.DeltaBitPacked ? new byte[BlockCount(indices.Length)] : null;
        long length = riceKs is null ? LengthOf(encoding, indices, numel) : PlanBitPacked(indices, riceKs);
        if (length > Array.MaxLength)
            ArgumentErrors.Throw($"{encoding} encoding of {indices.Length} indices needs {length} bytes, more than one array holds");
        var bytes = new byte[length];
        switch (encoding)
        {
            case IndexEncoding.RawU32: WriteRawU32(indices, bytes); break;
            case IndexEncoding.RawU64: WriteRawU64(indices, bytes); break;
            case IndexEncoding.DeltaBitPacked: WriteBitPacked(indices, bytes, riceKs!); break;
            default: WriteVarint(indices, bytes); break;
        }
        return bytes;
    }

    /// <summary>The exact encoded size, without encoding (used to pick the smallest encoding).</summary>
    public static long EncodedLength(IndexEncoding encoding, ReadOnlySpan<long> indices, long numel)
    {
        ValidateInput(indices, numel);
        return LengthOf(encoding, indices, numel);
    }

    /// <summary>The smallest byte-stream encoding for these indices (never <see cref="IndexEncoding.Structured"/>;
    /// callers check <see cref="StructuredMask.Matches"/> first). Ties prefer the raw (zero-copy) forms.</summary>
    public static IndexEncoding ChooseSmallest(ReadOnlySpan<long> indices, long numel)
    {
        ValidateInput(indices, numel);
        return ChooseSmallestValidated(indices, numel);
    }

    /// <summary><see cref="ChooseSmallest"/> for indices already put through <see cref="ValidateInput"/>.</summary>
    internal static IndexEncoding ChooseSmallestValidated(ReadOnlySpan<long> indices, long numel)
    {
        // Candidates in tie-break order; a later one wins only when strictly smaller.
        var best = IndexEncoding.RawU64;
        long bestLength = RawLength(indices.Length, 8);
        if (numel <= RawU32MaxNumel)
        {
            best = IndexEncoding.RawU32;
            bestLength = RawLength(indices.Length, 4);
        }
        long bitPacked = BitPackedLength(indices);
        if (bitPacked < bestLength) { best = IndexEncoding.DeltaBitPacked; bestLength = bitPacked; }
        if (VarintLength(indices) < bestLength) best = IndexEncoding.DeltaVarint;
        return best;
    }

    /// <summary>Decodes <paramref name="destination"/>.Length indices.</summary>
    public static void Decode(IndexEncoding encoding, ReadOnlySpan<byte> encoded, long numel, Span<long> destination)
    {
        CheckNumel(numel);
        DecodeAny(encoding, encoded, numel, destination);
    }

    /// <summary>Decodes as u32; requires <paramref name="numel"/> ≤ 2^32.</summary>
    public static void Decode(IndexEncoding encoding, ReadOnlySpan<byte> encoded, long numel, Span<uint> destination)
    {
        CheckNumel(numel);
        if (numel > RawU32MaxNumel)
            ArgumentErrors.Throw($"a tensor of {numel} elements (more than 2^32) cannot be decoded into u32 indices");
        DecodeAny(encoding, encoded, numel, destination);
    }

    /// <summary>The one dispatch of both <c>Decode</c> overloads (T is long or uint; the type tests fold away).</summary>
    private static void DecodeAny<T>(IndexEncoding encoding, ReadOnlySpan<byte> encoded, long numel, Span<T> destination)
        where T : unmanaged, IBinaryInteger<T>
    {
        switch (encoding)
        {
            case IndexEncoding.RawU32:
                if (typeof(T) == typeof(uint)) DecodeRawU32(encoded, numel, MemoryMarshal.Cast<T, uint>(destination));
                else DecodeRawU32(encoded, numel, MemoryMarshal.Cast<T, long>(destination));
                break;
            case IndexEncoding.RawU64: DecodeRawU64(encoded, numel, destination); break;
            case IndexEncoding.DeltaBitPacked: DecodeDelta(BitPackedTag, encoded, numel, destination); break;
            case IndexEncoding.DeltaVarint: DecodeDelta(VarintTag, encoded, numel, destination); break;
            default: ThrowNotByteEncoding(encoding); break;
        }
    }

    /// <summary>
    /// Checks <paramref name="encoded"/> as <see cref="Decode(IndexEncoding, ReadOnlySpan{byte}, long, Span{long})"/>
    /// would (same rules, same error codes and offsets) without a destination. For validators that need no indices;
    /// <see cref="Check"/> does the same and also returns the block layout.
    /// </summary>
    public static void Validate(IndexEncoding encoding, ReadOnlySpan<byte> encoded, long numel, int count) =>
        Check(encoding, encoded, numel, count);

    /// <summary>The largest element count RAW_U32 may be used for (every index fits in a u32).</summary>
    public const long RawU32MaxNumel = 1L << 32;

    private static long LengthOf(IndexEncoding encoding, ReadOnlySpan<long> indices, long numel)
    {
        switch (encoding)
        {
            case IndexEncoding.RawU32:
                if (numel > RawU32MaxNumel)
                    ArgumentErrors.Throw($"RawU32 indices cannot address a tensor of {numel} elements (more than 2^32); use RawU64");
                return RawLength(indices.Length, 4);
            case IndexEncoding.RawU64: return RawLength(indices.Length, 8);
            case IndexEncoding.DeltaBitPacked: return BitPackedLength(indices);
            case IndexEncoding.DeltaVarint: return VarintLength(indices);
            default: ThrowNotByteEncoding(encoding); return 0;
        }
    }

    private static long RawLength(int count, int width) => (long)count * width;

    private static void CheckNumel(long numel)
    {
        if (numel < 0) ArgumentErrors.OutOfRange(nameof(numel), $"numel must not be negative (got {numel})");
    }

    private static void ThrowNotByteEncoding(IndexEncoding encoding) =>
        ArgumentErrors.Throw(encoding == IndexEncoding.Structured
            ? "Structured index sets have no encoded bytes; use StructuredMask"
            : $"{encoding} is not a byte encoding of an index set");

    /// <summary>Checks an encoder's input: strictly increasing, within [0, numel); errors name
    /// <paramref name="tensor"/> when given.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal static void ValidateInput(ReadOnlySpan<long> indices, long numel, string? tensor = null)
    {
        CheckNumel(numel);
        if (indices.IsEmpty) return;
        if (indices[0] < 0)
            throw ShiraErrors.IndexOutOfRange($"index 0 is negative ({indices[0]})", null, tensor);
        int bad = FirstNotIncreasing(indices);
        if (bad >= 0)
            throw ShiraErrors.IndexNotIncreasing($"index {bad} ({indices[bad]}) is not greater than index {bad - 1} ({indices[bad - 1]})", null, tensor);
        if (indices[^1] >= numel)
            throw ShiraErrors.IndexOutOfRange($"index {indices.Length - 1} ({indices[^1]}) is not below numel {numel}", null, tensor);
    }

    /// <summary>The first position i ≥ 1 with a[i] ≤ a[i-1], or -1.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static int FirstNotIncreasing(ReadOnlySpan<long> a)
    {
        // Branch-free accumulation per chunk; rescan only a chunk that failed.
        const int Chunk = 4096;
        for (int start = 1; start < a.Length; start += Chunk)
        {
            int end = Math.Min(a.Length, start + Chunk);
            bool bad = false;
            for (int i = start; i < end; i++) bad |= a[i] <= a[i - 1];
            if (!bad) continue;
            for (int i = start; i < end; i++)
                if (a[i] <= a[i - 1]) return i;
        }
        return -1;
    }
}
