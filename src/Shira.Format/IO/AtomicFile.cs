using System.Collections.Concurrent;
using System.Globalization;

namespace Shira.Format.IO;

/// <summary>
/// The one way every output file is written: into a sibling temporary file, fsynced, then renamed over the target,
/// so a reader (or a live memory map of the old file) never sees a partial file and an existing file is kept until
/// the new one is complete. The temporary's name carries the writer's pid (<c>.NAME.PID.RANDOM.tmp</c>): a write that
/// was killed (SIGKILL, power loss) leaves one behind, and the next write of the same output deletes those whose
/// process is gone. A signal handler can delete the temporaries still being written with <see cref="DeleteInFlight"/>.
/// </summary>
public static class AtomicFile
{
    private static readonly ConcurrentDictionary<string, byte> InFlight = new(StringComparer.Ordinal);

    /// <summary>Writes <paramref name="path"/> atomically with <paramref name="write"/>; on any failure the temporary
    /// is deleted and the target is untouched. I/O failures become <see cref="ShiraErrorCode.IoError"/>.</summary>
    public static void Write(string path, Action<FileStream> write, int bufferSize = 1 << 16)
    {
        ArgumentNullException.ThrowIfNull(path);
        ArgumentNullException.ThrowIfNull(write);
        string full, dir, temp;
        try
        {
            full = Path.GetFullPath(path);
            dir = Path.GetDirectoryName(full) ?? ".";
            // A sibling (same file system) so that the rename is atomic.
            temp = Path.Combine(dir, Prefix(full) + Environment.ProcessId.ToString(CultureInfo.InvariantCulture) + "."
                + Guid.NewGuid().ToString("N")[..12] + ".tmp");
        }
        catch (Exception e) when (e is ArgumentException or NotSupportedException or PathTooLongException)
        {
            throw ShiraErrors.IoError(path, e.Message, e);
        }
        DeleteStale(full);
        InFlight[temp] = 0;
        bool done = false;
        try
        {
            using (var fs = new FileStream(temp, FileMode.CreateNew, FileAccess.Write, FileShare.None, bufferSize))
            {
                write(fs);
                fs.Flush(flushToDisk: true);
            }
            File.Move(temp, full, overwrite: true);
            done = true;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw ShiraErrors.IoError(path, e.Message, e);
        }
        finally
        {
            if (!done) TryDelete(temp);
            InFlight.TryRemove(temp, out _);
        }
    }

    /// <summary>Deletes every temporary this process is writing now (for a SIGINT/SIGTERM handler that is about to
    /// exit); returns how many it deleted.</summary>
    public static int DeleteInFlight()
    {
        int n = 0;
        foreach (var t in InFlight.Keys)
            if (TryDelete(t)) n++;
        return n;
    }

    /// <summary>Deletes temporaries of <paramref name="fullPath"/> left by processes that no longer run; returns how
    /// many. Temporaries of live processes (a concurrent writer) are left alone.</summary>
    public static int DeleteStale(string fullPath)
    {
        ArgumentNullException.ThrowIfNull(fullPath);
        string dir = Path.GetDirectoryName(fullPath) ?? ".";
        string prefix = Prefix(fullPath);
        int n = 0;
        try
        {
            foreach (var f in Directory.EnumerateFiles(dir, prefix + "*.tmp"))
            {
                // NAME.PID.RANDOM.tmp: anything else (a user's file) is not ours to delete.
                var parts = Path.GetFileName(f)[prefix.Length..].Split('.');
                if (parts.Length != 3 || parts[1].Length != 12 || !int.TryParse(parts[0], NumberStyles.None, CultureInfo.InvariantCulture, out int pid))
                    continue;
                if (!IsAlive(pid) && TryDelete(f)) n++;
            }
        }
        catch (IOException) { }
        catch (UnauthorizedAccessException) { }
        return n;
    }

    private static string Prefix(string fullPath) => "." + Path.GetFileName(fullPath) + ".";

    private static bool IsAlive(int pid)
    {
        if (pid == Environment.ProcessId) return true;
        if (OperatingSystem.IsLinux()) return Directory.Exists("/proc/" + pid.ToString(CultureInfo.InvariantCulture));
        try
        {
            using var p = System.Diagnostics.Process.GetProcessById(pid);
            return !p.HasExited;
        }
        catch (ArgumentException) { return false; }
        catch (InvalidOperationException) { return false; }
    }

    private static bool TryDelete(string path)
    {
        try
        {
            if (!File.Exists(path)) return false;
            File.Delete(path);
            return true;
        }
        catch (IOException) { return false; }
        catch (UnauthorizedAccessException) { return false; }
    }
}
