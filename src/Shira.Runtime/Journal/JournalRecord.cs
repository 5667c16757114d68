using Shira.Runtime.Kernels;
using Shira.Format;

namespace Shira.Runtime.Journal;

/// <summary>The identity of one base shard when a record was written: an old journal must never be replayed onto
/// another file. The length and header hash do not change when tensor bytes are patched.</summary>
internal readonly record struct ShardIdentity(string FileName, long Length, ulong HeaderHash);

/// <summary>One tensor's part of a record: where it lives and the originals at its changed positions.</summary>
internal sealed record JournalTensor(int Shard, string Name, DType DType, long FileOffset, long Numel, IndexSet Indices, byte[] Originals);

/// <summary>
/// One in-place operation, as stored in <c>NNNNNNNN.rec</c>: the adapter applied (source, name, content hash, scale),
/// the record it supersedes (a switch) and the originals of every position it changes.
/// </summary>
internal sealed record JournalRecord(long Sequence, long Supersedes, string AdapterSource, string AdapterName,
    ulong AdapterHash, float Scale, IReadOnlyList<ShardIdentity> Shards, IReadOnlyList<JournalTensor> Tensors);
