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
        if (!File.Exists(basePath) && !Directory.Exists(basePath))
            throw ShiraErrors.IoError(basePath, "it does not exist");
        if (!Directory.Exists(basePath)) Shira.Format.IO.RegularFile.Check(basePath);
        // Like every in-place operation, recovery holds the writer's lock: it never rolls back a live operation.
        using (BaseLock.AcquireExclusive(basePath))
            if (!Directory.Exists(JournalStore.PathFor(basePath)))
                return new RecoveryResult(basePath, false, 0, 0, 0, []);
        using var model = Open(basePath, BaseOpenMode.InPlace, new BaseModelOptions { AutoRecover = true, VerifyFingerprint = false });
        return model.OpenRecovery!;
    }

    /// <summary>For readers that do not open a <see cref="BaseModel"/> (a merge into a new file): takes the shared
    /// lock (refused while an in-place writer works) and refuses a base whose journal says it is inconsistent.</summary>
    internal static IDisposable? OpenForReading(string basePath)
    {
        if (!File.Exists(basePath) && !Directory.Exists(basePath)) return null; // the caller reports the missing file
        var l = BaseLock.AcquireShared(basePath);
        try
        {
            var store = new JournalStore(JournalStore.PathFor(basePath));
            if (store.Exists && Classify(store.Load(), store.HasUndo).Rollback.Count > 0)
                throw ShiraErrors.RecoveryNeeded("an in-place operation on this base was interrupted; run `shira recover` first", basePath);
            return l;
        }
        catch
        {
            l?.Dispose();
            throw;
        }
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
        var (dead, rollback, alive) = Classify(records, _journal.HasUndo);
        if (Mode != BaseOpenMode.InPlace)
        {
            if (rollback.Count > 0)
                throw ShiraErrors.RecoveryNeeded("an in-place operation on this base was interrupted; run `shira recover` first", Path);
            return;
        }
        if (rollback.Count > 0 && !_options.AutoRecover)
            throw ShiraErrors.RecoveryNeeded("an in-place operation on this base was interrupted; run `shira recover` first", Path);

        int discarded = _journal.DeleteTemporaries();
        // Verify every record against this base before the first write.
        var bound = new Dictionary<long, AppliedTensor[]>();
        var undo = new Dictionary<long, AppliedTensor[]>();
        foreach (var (r, committed, _) in records)
        {
            bound[r.Sequence] = Bind(r);
            if (!committed && _journal.HasUndo(r.Sequence)) undo[r.Sequence] = Bind(_journal.ReadUndo(r.Sequence));
        }
        foreach (var seq in dead) _journal.Remove(seq);
        foreach (var r in alive) _journal.DeleteUndo(r.Sequence); // a committed switch no longer needs it
        long restored = 0;
        foreach (var r in rollback.OrderByDescending(r => r.Sequence))
        {
            // An interrupted switch goes back to the bytes before it (its predecessor applied), not to the bare base.
            var image = undo.TryGetValue(r.Sequence, out var u) ? u : bound[r.Sequence];
            ScatterOriginals(image);
            restored += image.Sum(t => (long)t.Count);
        }
        if (rollback.Count > 0) FlushShards();
        foreach (var r in rollback) _journal.Remove(r.Sequence);
        foreach (var r in alive)
            _applied.Add(new AppliedAdapter(r.AdapterSource, r.AdapterName, r.Scale, bound[r.Sequence], r.Sequence, r.AdapterHash));
        _journal.DeleteIfEmpty();
        OpenRecovery = new RecoveryResult(Path, true, rollback.Count, restored, discarded, alive.Select(r => r.AdapterName).ToArray());
    }

    /// <summary>Splits records by the state machine (see <see cref="JournalStore"/>): dead = superseded by a committed
    /// switch; rollback = not committed, reverting, or superseded by a record being rolled back without an undo file;
    /// alive = applied.</summary>
    private static (List<long> Dead, List<JournalRecord> Rollback, List<JournalRecord> Alive) Classify(
        List<(JournalRecord Record, bool Committed, bool Reverting)> records, Func<long, bool> hasUndo)
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
                // Legacy switch records (no undo file) cannot restore their predecessor's values: roll it back too.
                if (!committed && r.Supersedes != 0 && !hasUndo(r.Sequence)) { rolled.Add(r.Supersedes); dead.Remove(r.Supersedes); }
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
            throw ShiraErrors.JournalCorrupt($"journal record {r.Sequence} was written for a base with {r.Shards.Count} files", where);
        for (int s = 0; s < _shards.Length; s++)
        {
            var id = r.Shards[s];
            var sh = _shards[s];
            if (id.FileName != System.IO.Path.GetFileName(sh.FilePath) || id.Length != sh.Length || id.HeaderHash != sh.HeaderHash)
                throw ShiraErrors.JournalCorrupt($"journal record {r.Sequence} belongs to another base (file '{id.FileName}', {id.Length} bytes)", where);
        }
        var result = new AppliedTensor[r.Tensors.Count];
        for (int i = 0; i < r.Tensors.Count; i++)
        {
            var jt = r.Tensors[i];
            if (!_tensors.TryGetValue(jt.Name, out var t) || t.Shard != jt.Shard || t.FileOffset != jt.FileOffset ||
                t.DType != jt.DType || t.Numel != jt.Numel || jt.Originals.Length != jt.Indices.Count * t.DType.ByteSize())
                throw ShiraErrors.JournalCorrupt($"journal record {r.Sequence} does not match tensor '{jt.Name}' of the base", where, jt.Name);
            result[i] = new AppliedTensor(t, jt.Indices, jt.Originals);
        }
        return result;
    }
}
