namespace Shira.Format.Codecs;

/// <summary>
/// Encoders and decoders for index sets: flat row-major positions, strictly increasing, each below the tensor's
/// element count. Encoded bytes are self-describing given (encoding, count, numel): any block size or bit width
/// lives inside them. Decoders validate everything they read and throw <see cref="ShiraException"/>
/// (<see cref="ShiraErrorCode.IndexEncodingCorrupt"/>, <see cref="ShiraErrorCode.IndexOutOfRange"/>,
/// <see cref="ShiraErrorCode.IndexNotIncreasing"/>) with <see cref="ShiraException.Offset"/> relative to the start
/// of the encoded bytes; they never read or write outside the given spans.
/// <see cref="IndexEncoding.Structured"/> sets have no encoded bytes: see <see cref="StructuredMask"/>.
/// </summary>
public static partial class IndexCodec
{
    /// <summary>Encodes <paramref name="indices"/> (validated: strictly increasing, below <paramref name="numel"/>).</summary>
    public static byte[] Encode(IndexEncoding encoding, ReadOnlySpan<long> indices, long numel) => throw new NotImplementedException();

    /// <summary>The exact encoded size, without encoding (used to pick the smallest encoding).</summary>
    public static long EncodedLength(IndexEncoding encoding, ReadOnlySpan<long> indices, long numel) => throw new NotImplementedException();

    /// <summary>The smallest byte-stream encoding for these indices (never <see cref="IndexEncoding.Structured"/>;
    /// callers check <see cref="StructuredMask.Matches"/> first). Ties prefer the raw (zero-copy) forms.</summary>
    public static IndexEncoding ChooseSmallest(ReadOnlySpan<long> indices, long numel) => throw new NotImplementedException();

    /// <summary>Decodes <paramref name="destination"/>.Length indices.</summary>
    public static void Decode(IndexEncoding encoding, ReadOnlySpan<byte> encoded, long numel, Span<long> destination)
        => throw new NotImplementedException();

    /// <summary>Decodes as u32; requires <paramref name="numel"/> ≤ 2^32.</summary>
    public static void Decode(IndexEncoding encoding, ReadOnlySpan<byte> encoded, long numel, Span<uint> destination)
        => throw new NotImplementedException();
}

/// <summary>
/// SHiRA-Struct masks on a 2-D view [rows, cols] of the tensor (rank &gt; 2 tensors are viewed as
/// [shape[0], product of the rest]): every listed row, every listed column, and optionally the main diagonal.
/// The index set is their union in row-major order; no per-element index is stored.
/// </summary>
public static partial class StructuredMask
{
    /// <summary>The number of positions in the union (validates the lists: sorted, unique, in range).</summary>
    public static long Count(long rows, long cols, IReadOnlyList<long> rowList, IReadOnlyList<long> colList, bool diagonal)
        => throw new NotImplementedException();

    /// <summary>Writes the union in increasing order into <paramref name="destination"/> (length = Count).</summary>
    public static void Generate(long rows, long cols, IReadOnlyList<long> rowList, IReadOnlyList<long> colList, bool diagonal,
        Span<long> destination) => throw new NotImplementedException();

    /// <summary>True when <paramref name="indices"/> is exactly the union described.</summary>
    public static bool Matches(ReadOnlySpan<long> indices, long rows, long cols, IReadOnlyList<long> rowList,
        IReadOnlyList<long> colList, bool diagonal) => throw new NotImplementedException();

    /// <summary>The paper's SHiRA-Struct choice: every <paramref name="stride"/>-th row and column (from 0) plus the diagonal.</summary>
    public static (long[] Rows, long[] Cols) EveryNth(long rows, long cols, long stride) => throw new NotImplementedException();
}
