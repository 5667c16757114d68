using System.Globalization;
using Shira.Format;
using Shira.Runtime.Mapping;

namespace Shira.Runtime.Journal;

/// <summary>
/// The journal folder of an in-place base (<c>model.safetensors.shira-journal/</c>, or <c>.shira-journal/</c> inside
/// a sharded folder). Files, each created by write-to-temp + fsync + rename + directory fsync, so each one either
/// exists completely or not at all:
/// <list type="bullet">
/// <item><c>NNNNNNNN.rec</c> — a record (originals of every position the operation changes), durable before the
/// first write to the base.</item>
/// <item><c>NNNNNNNN.committed</c> — the writes of record N are complete and flushed: the adapter is applied.</item>
/// <item><c>NNNNNNNN.reverting</c> — a revert of N has started.</item>
/// <item><c>NNNNNNNN.undo</c> — only for a switch M → N: the bytes before the switch at every position of M and N
/// (same layout as a record), written durably before <c>N.rec</c>. Rolling back an uncommitted switch restores
/// these, so the base is again exactly "M applied" (not the bare base).</item>
/// </list>
/// State of a record: no marker = applying (roll back), committed = applied, committed + reverting = reverting
/// (roll back). A committed record that supersedes M (a switch M → N) makes M dead (deleted, not rolled back); an
/// uncommitted one is rolled back from its undo file and M stays applied. (A switch record without an undo file —
/// written by a version before 1.1 — drags M into the rollback instead, because M's positions may hold N's values.)
/// </summary>
internal sealed class JournalStore(string directory)
{
    private const string RecExt = ".rec";
    private const string CommittedExt = ".committed";
    private const string RevertingExt = ".reverting";
    private const string UndoExt = ".undo";
    private const string TmpExt = ".tmp";

    public string Directory { get; } = directory;

    public bool Exists => System.IO.Directory.Exists(Directory);

    /// <summary>The journal folder for a base path (file, index JSON or folder).</summary>
    public static string PathFor(string basePath)
    {
        string full = System.IO.Path.GetFullPath(basePath);
        if (System.IO.Directory.Exists(full)) return System.IO.Path.Combine(full, ".shira-journal");
        if (full.EndsWith(".json", StringComparison.OrdinalIgnoreCase))
            return System.IO.Path.Combine(System.IO.Path.GetDirectoryName(full)!, ".shira-journal");
        return full + ".shira-journal";
    }

    private string FileFor(long seq, string ext) =>
        System.IO.Path.Combine(Directory, seq.ToString("D8", CultureInfo.InvariantCulture) + ext);

    /// <summary>Deletes temporary files (records whose rename never happened: their operation wrote nothing).</summary>
    public int DeleteTemporaries()
    {
        if (!Exists) return 0;
        int n = 0;
        foreach (var f in System.IO.Directory.GetFiles(Directory, "*" + TmpExt)) { File.Delete(f); n++; }
        if (n > 0) DirectorySync.Sync(Directory);
        return n;
    }

    /// <summary>All records with their markers, ascending by sequence.</summary>
    public List<(JournalRecord Record, bool Committed, bool Reverting)> Load()
    {
        var list = new List<(JournalRecord, bool, bool)>();
        DeleteOrphanUndos();
        if (!Exists) return list;
        var recs = System.IO.Directory.GetFiles(Directory, "*" + RecExt);
        Array.Sort(recs, StringComparer.Ordinal);
        foreach (var f in recs)
        {
            var name = System.IO.Path.GetFileNameWithoutExtension(f);
            if (!long.TryParse(name, NumberStyles.None, CultureInfo.InvariantCulture, out long seq))
                throw ShiraErrors.JournalCorrupt("unexpected file in the journal", f);
            var rec = JournalFile.Read(f);
            if (rec.Sequence != seq)
                throw ShiraErrors.JournalCorrupt($"record {seq} says it is record {rec.Sequence}", f);
            list.Add((rec, File.Exists(FileFor(seq, CommittedExt)), File.Exists(FileFor(seq, RevertingExt))));
        }
        return list;
    }

    public long NextSequence()
    {
        long max = 0;
        if (Exists)
            foreach (var f in System.IO.Directory.GetFiles(Directory, "*" + RecExt))
                if (long.TryParse(System.IO.Path.GetFileNameWithoutExtension(f), NumberStyles.None, CultureInfo.InvariantCulture, out long s))
                    max = Math.Max(max, s);
        return max + 1;
    }

    /// <summary>Whether record <paramref name="seq"/> has an undo file (an in-flight switch).</summary>
    public bool HasUndo(long seq) => File.Exists(FileFor(seq, UndoExt));

    /// <summary>Reads the undo file of record <paramref name="seq"/>.</summary>
    public JournalRecord ReadUndo(long seq)
    {
        var r = JournalFile.Read(FileFor(seq, UndoExt));
        if (r.Sequence != seq)
            throw ShiraErrors.JournalCorrupt($"undo file {seq} says it belongs to record {r.Sequence}", FileFor(seq, UndoExt));
        return r;
    }

    /// <summary>Deletes the undo file of a committed switch (it is never needed again).</summary>
    public void DeleteUndo(long seq)
    {
        string f = FileFor(seq, UndoExt);
        if (!File.Exists(f)) return;
        try { File.Delete(f); DirectorySync.Sync(Directory); }
        catch (IOException e) { throw ShiraErrors.IoError(f, e.Message, e); }
    }

    /// <summary>Undo files without their record: the switch stopped before its record existed and wrote nothing.</summary>
    private void DeleteOrphanUndos()
    {
        if (!Exists) return;
        bool any = false;
        foreach (var f in System.IO.Directory.GetFiles(Directory, "*" + UndoExt))
            if (!File.Exists(System.IO.Path.ChangeExtension(f, RecExt))) { TryDelete(f); any = true; }
        if (any) DirectorySync.Sync(Directory);
    }

    /// <summary>Writes a switch's undo file durably; it must exist before the switch's record (see the type's remarks).</summary>
    public void WriteUndo(JournalRecord undo) => WriteFile(undo, UndoExt, "undo-written");

    /// <summary>Writes a record durably (temp, fsync, rename, directory fsync). After this returns the base may be written.</summary>
    public void WriteRecord(JournalRecord record) => WriteFile(record, RecExt, "journal-written");

    private void WriteFile(JournalRecord record, string ext, string crashPoint)
    {
        bool created = !Exists;
        System.IO.Directory.CreateDirectory(Directory);
        if (created) DirectorySync.Sync(System.IO.Path.GetDirectoryName(Directory)!);
        string final = FileFor(record.Sequence, ext);
        string tmp = final + TmpExt;
        try
        {
            using (var fs = new FileStream(tmp, FileMode.Create, FileAccess.Write, FileShare.None, 1 << 16))
            {
                JournalFile.Write(fs, record);
                fs.Flush(flushToDisk: true);
            }
            CrashPoints.Hit(crashPoint);
            // An undo file of the same number can only be an orphan (its record never existed): replace it.
            File.Move(tmp, final, overwrite: ext == UndoExt);
            DirectorySync.Sync(Directory);
        }
        catch (IOException e)
        {
            TryDelete(tmp);
            throw ShiraErrors.IoError(final, e.Message, e);
        }
    }

    public void MarkCommitted(long seq) => Touch(FileFor(seq, CommittedExt));

    public void MarkReverting(long seq) => Touch(FileFor(seq, RevertingExt));

    /// <summary>Removes a record: markers first, then the record, then its undo file, so that an interrupted removal
    /// leaves a record without commit marker (with its undo file if it had one) — which recovery rolls back again
    /// the same way (idempotent).</summary>
    public void Remove(long seq)
    {
        try
        {
            File.Delete(FileFor(seq, CommittedExt));
            DirectorySync.Sync(Directory);
            File.Delete(FileFor(seq, RevertingExt));
            File.Delete(FileFor(seq, RecExt));
            DirectorySync.Sync(Directory);
            if (File.Exists(FileFor(seq, UndoExt)))
            {
                File.Delete(FileFor(seq, UndoExt));
                DirectorySync.Sync(Directory);
            }
        }
        catch (IOException e) { throw ShiraErrors.IoError(Directory, e.Message, e); }
    }

    /// <summary>Deletes the folder when no record is left (leftover markers without a record mean nothing).</summary>
    public void DeleteIfEmpty()
    {
        if (!Exists) return;
        if (System.IO.Directory.GetFiles(Directory, "*" + RecExt).Length > 0) return;
        foreach (var f in System.IO.Directory.GetFiles(Directory)) File.Delete(f);
        System.IO.Directory.Delete(Directory);
        DirectorySync.Sync(System.IO.Path.GetDirectoryName(Directory)!);
    }

    private void Touch(string path)
    {
        try
        {
            using (var fs = new FileStream(path, FileMode.Create, FileAccess.Write, FileShare.None)) fs.Flush(flushToDisk: true);
            DirectorySync.Sync(Directory);
        }
        catch (IOException e) { throw ShiraErrors.IoError(path, e.Message, e); }
    }

    private static void TryDelete(string path)
    {
        try { File.Delete(path); } catch (IOException) { } catch (UnauthorizedAccessException) { }
    }
}
