using Shira.Format;
using Shira.Runtime.Journal;
using Shira.Runtime.Kernels;

namespace Shira.Runtime;

public sealed partial class BaseModel
{
    /// <summary>Rolls back whatever an interrupted in-place operation left (idempotent; safe to run any time) and
    /// reports the adapters still applied in place. Does nothing when there is no journal.</summary>
    public static RecoveryResult Recover(string basePath)
    {
        ArgumentNullException.ThrowIfNull(basePath);
        if (!Directory.Exists(JournalStore.PathFor(basePath)))
            return new RecoveryResult(basePath, false, 0, 0, 0, []);
        using var model = Open(basePath, BaseOpenMode.InPlace, new BaseModelOptions { AutoRecover = true, VerifyFingerprint = false });
        return model.OpenRecovery!;
    }

    /// <summary>Reads the journal at open. In place: roll back what an interrupted operation left and put the
    /// committed adapters on the stack. Other modes: refuse a base that needs recovery (its file is inconsistent).</summary>
    private void LoadJournal()
    {
        if (!_journal.Exists)
        {
            if (Mode == BaseOpenMode.InPlace) OpenRecovery = new RecoveryResult(Path, false, 0, 0, 0, []);
            return;
        }
        var records = _journal.Load();
        var (dead, rollback, alive) = Classify(records);
        if (Mode != BaseOpenMode.InPlace)
        {
            if (rollback.Count > 0)
                throw ShiraErrors.Create(ShiraErrorCode.RecoveryNeeded,
                    "an in-place operation on this base was interrupted; run `shira recover` first", Path);
            return;
        }
        if (rollback.Count > 0 && !_options.AutoRecover)
            throw ShiraErrors.Create(ShiraErrorCode.RecoveryNeeded,
                "an in-place operation on this base was interrupted; run `shira recover` first", Path);

        int discarded = _journal.DeleteTemporaries();
        // Verify every record against this base before the first write.
        var bound = new Dictionary<long, AppliedTensor[]>();
        foreach (var (r, _, _) in records) bound[r.Sequence] = Bind(r);
        foreach (var seq in dead) _journal.Remove(seq);
        long restored = 0;
        foreach (var r in rollback.OrderByDescending(r => r.Sequence))
        {
            ScatterOriginals(bound[r.Sequence]);
            restored += bound[r.Sequence].Sum(t => (long)t.Count);
        }
        if (rollback.Count > 0) FlushShards();
        foreach (var r in rollback) _journal.Remove(r.Sequence);
        foreach (var r in alive)
            _applied.Add(new AppliedAdapter(r.AdapterSource, r.AdapterName, r.Scale, bound[r.Sequence], r.Sequence, r.AdapterHash));
        _journal.DeleteIfEmpty();
        OpenRecovery = new RecoveryResult(Path, true, rollback.Count, restored, discarded, alive.Select(r => r.AdapterName).ToArray());
    }

    /// <summary>Splits records by the state machine (see <see cref="JournalStore"/>): dead = superseded by a committed
    /// switch; rollback = not committed, reverting, or superseded by a record being rolled back; alive = applied.</summary>
    private static (List<long> Dead, List<JournalRecord> Rollback, List<JournalRecord> Alive) Classify(
        List<(JournalRecord Record, bool Committed, bool Reverting)> records)
    {
        var dead = new HashSet<long>();
        foreach (var (r, committed, _) in records)
            if (committed && r.Supersedes != 0) dead.Add(r.Supersedes);
        var rollback = new List<JournalRecord>();
        var rolled = new HashSet<long>();
        // Descending: an uncommitted switch drags the record it supersedes into the rollback.
        foreach (var (r, committed, reverting) in records.OrderByDescending(x => x.Record.Sequence))
        {
            if (dead.Contains(r.Sequence) && !rolled.Contains(r.Sequence)) continue;
            if (!committed || reverting || rolled.Contains(r.Sequence))
            {
                rollback.Add(r);
                rolled.Add(r.Sequence);
                if (!committed && r.Supersedes != 0) { rolled.Add(r.Supersedes); dead.Remove(r.Supersedes); }
            }
        }
        var alive = records.Where(x => !dead.Contains(x.Record.Sequence) && !rolled.Contains(x.Record.Sequence))
            .Select(x => x.Record).OrderBy(r => r.Sequence).ToList();
        return ([.. dead], rollback, alive);
    }

    /// <summary>Resolves a record against this base; any disagreement (another file, another layout) is
    /// <see cref="ShiraErrorCode.JournalCorrupt"/> and nothing is written.</summary>
    private AppliedTensor[] Bind(JournalRecord r)
    {
        string where = _journal.Directory;
        if (r.Shards.Count != _shards.Length)
            throw ShiraErrors.Create(ShiraErrorCode.JournalCorrupt, $"journal record {r.Sequence} was written for a base with {r.Shards.Count} files", where);
        for (int s = 0; s < _shards.Length; s++)
        {
            var id = r.Shards[s];
            var sh = _shards[s];
            if (id.FileName != System.IO.Path.GetFileName(sh.FilePath) || id.Length != sh.Length || id.HeaderHash != sh.HeaderHash)
                throw ShiraErrors.Create(ShiraErrorCode.JournalCorrupt,
                    $"journal record {r.Sequence} belongs to another base (file '{id.FileName}', {id.Length} bytes)", where);
        }
        var result = new AppliedTensor[r.Tensors.Count];
        for (int i = 0; i < r.Tensors.Count; i++)
        {
            var jt = r.Tensors[i];
            if (!_tensors.TryGetValue(jt.Name, out var t) || t.Shard != jt.Shard || t.FileOffset != jt.FileOffset ||
                t.DType != jt.DType || t.Numel != jt.Numel || jt.Originals.Length != jt.Indices.Count * t.DType.ByteSize())
                throw ShiraErrors.Create(ShiraErrorCode.JournalCorrupt, $"journal record {r.Sequence} does not match tensor '{jt.Name}' of the base", where, jt.Name);
            result[i] = new AppliedTensor(t, jt.Indices, jt.Originals);
        }
        return result;
    }
}
