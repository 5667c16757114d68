namespace Shira.Format.Codecs;

/// <summary>
/// How a checked index set divides into blocks that decode independently, from <see cref="IndexCodec.Check"/>:
/// block b holds positions [<see cref="BlockStart"/>(b), <see cref="BlockStart"/>(b) + <see cref="BlockLength"/>(b)).
/// Delta encodings use the block size stored in their header; raw encodings are cut into blocks of 4096.
/// </summary>
public readonly record struct IndexBlockLayout
{
    /// <summary>The encoding of the bytes this layout describes.</summary>
    public required IndexEncoding Encoding { get; init; }
    /// <summary>Number of indices in the set.</summary>
    public required int Count { get; init; }
    /// <summary>Element count of the tensor the set indexes.</summary>
    public required long Numel { get; init; }
    /// <summary>log2 of the block size.</summary>
    public required int Log2BlockSize { get; init; }
    /// <summary>Number of blocks.</summary>
    public required int BlockCount { get; init; }
    /// <summary>Byte offset of the first block's data (after a delta header and skip table; 0 for raw).</summary>
    internal int DataStart { get; init; }

    /// <summary>Indices per block (the last block may hold fewer).</summary>
    public int BlockSize => 1 << Log2BlockSize;

    /// <summary>Position of block <paramref name="block"/>'s first index within the set.</summary>
    public int BlockStart(int block) => block << Log2BlockSize;

    /// <summary>Number of indices in block <paramref name="block"/>.</summary>
    public int BlockLength(int block) => Math.Min(BlockSize, Count - BlockStart(block));

    /// <summary>Checks a block range argument; returns the positions it covers, [from, to).</summary>
    internal (int From, int To) Positions(int firstBlock, int blockCount)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(firstBlock);
        ArgumentOutOfRangeException.ThrowIfNegative(blockCount);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(firstBlock, BlockCount - blockCount);
        int end = firstBlock + blockCount;
        return (Math.Min(Count, BlockStart(firstBlock)), end == BlockCount ? Count : BlockStart(end));
    }
}
