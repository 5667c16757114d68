namespace Shira.Format.Codecs;

/// <summary>
/// Receives an index set one index at a time, in increasing position order, from
/// <see cref="IndexCodec.DecodeBlocks{TSink}"/> (or <see cref="Container.IndexBlocks.Decode{TSink}"/>).
/// Implement it as a struct: the decoder is instantiated for the struct type, so <see cref="Add"/> is inlined
/// into the decode loop and the caller's work (a scatter, say) interleaves with the decoding. The decoder takes the
/// sink by value and may copy it, so keep mutable state behind refs or pointers, not in the struct's own fields.
/// </summary>
public interface IIndexSink
{
    /// <summary>Takes the index at <paramref name="position"/> of the set (0-based, over the whole set).</summary>
    /// <remarks>
    /// The bytes behind a decode may be a memory map another process can change, so an index is only as trustworthy
    /// as the check that covered it: after <see cref="IndexCodec.Check"/> the same bytes decode to in-range, strictly
    /// increasing indices, but a sink that writes memory must still bounds-check what it is given (one predictable
    /// compare) if the bytes might change between check and decode. Positions are always within the decoded blocks.
    /// </remarks>
    void Add(int position, ulong index);
}
