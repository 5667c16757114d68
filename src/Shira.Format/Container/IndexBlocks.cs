using Shira.Format.Codecs;

namespace Shira.Format.Container;

/// <summary>
/// One tensor's index set, checked in full by <see cref="ShiraReader.CheckIndices"/> and decodable block by block
/// into an <see cref="IIndexSink"/>. Valid while its reader lives. Thread-safe: blocks may be decoded concurrently.
/// Errors (only possible if the file changed after the check) are <see cref="ShiraException"/>s naming the file,
/// the tensor and the byte offset.
/// </summary>
public sealed class IndexBlocks
{
    private readonly ShiraReader _reader;
    private readonly string _tensor;
    private readonly int _section;
    private readonly long[]? _materialized;
    private readonly IndexBlockLayout _layout;

    internal IndexBlocks(ShiraReader reader, string tensor, int section, long[]? materialized, IndexBlockLayout layout)
    {
        _reader = reader;
        _tensor = tensor;
        _section = section;
        _materialized = materialized;
        _layout = layout;
    }

    /// <summary>The block structure: count, block size, block starts.</summary>
    public IndexBlockLayout Layout => _layout;

    /// <summary>Number of indices.</summary>
    public int Count => _layout.Count;

    /// <summary>Element count of the indexed tensor.</summary>
    public long Numel => _layout.Numel;

    /// <summary>The first index of block <paramref name="block"/>, without decoding it.</summary>
    public long FirstIndexOfBlock(int block)
    {
        if (_materialized is not null)
        {
            ArgumentOutOfRangeException.ThrowIfNegative(block);
            ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(block, _layout.BlockCount);
            return _materialized[_layout.BlockStart(block)];
        }
        return IndexCodec.FirstIndexOfBlock(_layout, _reader.IndexSectionData(_section, _tensor), block);
    }

    /// <summary>Hands the indices of blocks [<paramref name="firstBlock"/>, <paramref name="firstBlock"/> +
    /// <paramref name="blockCount"/>) to <paramref name="sink"/>, in order, with their positions.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public void Decode<TSink>(int firstBlock, int blockCount, TSink sink) where TSink : IIndexSink, allows ref struct
    {
        if (_materialized is not null)
        {
            var (from, to) = _layout.Positions(firstBlock, blockCount);
            for (int i = from; i < to; i++) sink.Add(i, (ulong)_materialized[i]);
            return;
        }
        var bytes = _reader.IndexSectionData(_section, _tensor);
        try
        {
            IndexCodec.DecodeBlocks(_layout, bytes, firstBlock, blockCount, sink);
        }
        catch (ShiraException e)
        {
            throw _reader.RelocateIndexError(e, _section, _tensor);
        }
    }
}
