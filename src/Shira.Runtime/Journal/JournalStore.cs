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
/// </list>
/// State of a record: no marker = applying (roll back), committed = applied, committed + reverting = reverting
/// (roll back). A committed record that supersedes M (a switch M → N) makes M dead (deleted, not rolled back); an
/// uncommitted one drags M into the rollback too, because M's positions may already hold N's values.
/// </summary>
internal sealed class JournalStore(string directory)
{
    private const string RecExt = ".rec";
    private const string CommittedExt = ".committed";
    private const string RevertingExt = ".reverting";
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
        if (!Exists) return list;
        var recs = System.IO.Directory.GetFiles(Directory, "*" + RecExt);
        Array.Sort(recs, StringComparer.Ordinal);
        foreach (var f in recs)
        {
            var name = System.IO.Path.GetFileNameWithoutExtension(f);
            if (!long.TryParse(name, NumberStyles.None, CultureInfo.InvariantCulture, out long seq))
                throw ShiraErrors.Create(ShiraErrorCode.JournalCorrupt, "unexpected file in the journal", f);
            var rec = JournalFile.Read(f);
            if (rec.Sequence != seq)
                throw ShiraErrors.Create(ShiraErrorCode.JournalCorrupt, $"record {seq} says it is record {rec.Sequence}", f);
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

    /// <summary>Writes a record durably (temp, fsync, rename, directory fsync). After this returns the base may be written.</summary>
    public void WriteRecord(JournalRecord record)
    {
        bool created = !Exists;
        System.IO.Directory.CreateDirectory(Directory);
        if (created) DirectorySync.Sync(System.IO.Path.GetDirectoryName(Directory)!);
        string final = FileFor(record.Sequence, RecExt);
        string tmp = final + TmpExt;
        try
        {
            using (var fs = new FileStream(tmp, FileMode.Create, FileAccess.Write, FileShare.None, 1 << 16))
            {
                JournalFile.Write(fs, record);
                fs.Flush(flushToDisk: true);
            }
            CrashPoints.Hit("journal-written");
            File.Move(tmp, final, overwrite: false);
            DirectorySync.Sync(Directory);
        }
        catch (IOException e)
        {
            TryDelete(tmp);
            throw ShiraErrors.Io(final, e);
        }
    }

    public void MarkCommitted(long seq) => Touch(FileFor(seq, CommittedExt));

    public void MarkReverting(long seq) => Touch(FileFor(seq, RevertingExt));

    /// <summary>Removes a record: markers first, then the record, so that an interrupted removal leaves a record
    /// without commit marker — which recovery rolls back again (idempotent).</summary>
    public void Remove(long seq)
    {
        try
        {
            File.Delete(FileFor(seq, CommittedExt));
            DirectorySync.Sync(Directory);
            File.Delete(FileFor(seq, RevertingExt));
            File.Delete(FileFor(seq, RecExt));
            DirectorySync.Sync(Directory);
        }
        catch (IOException e) { throw ShiraErrors.Io(Directory, e); }
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
        catch (IOException e) { throw ShiraErrors.Io(path, e); }
    }

    private static void TryDelete(string path)
    {
        try { File.Delete(path); } catch (IOException) { } catch (UnauthorizedAccessException) { }
    }
}
