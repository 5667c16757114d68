using System.Globalization;
using System.Runtime.InteropServices;
using System.Text;
using Shira.Format;

namespace Shira.Runtime.Journal;

/// <summary>
/// The OS lock that serializes in-place operations on one base: <c>flock</c> on a lock file beside the journal folder
/// (<c>model.safetensors.shira-lock</c>, or <c>.shira-lock</c> inside a sharded folder). An in-place writer (apply,
/// revert, switch, recover) holds it exclusively for as long as its <see cref="BaseModel"/> is open and writes its pid
/// into it; a reader (a copy-on-write or in-memory open, a merge to a new file) holds it shared. Both are taken with
/// <c>LOCK_NB</c>: a second writer, or a writer while a reader is open (and the reverse), is refused at once with
/// <see cref="ShiraErrorCode.BaseLocked"/> naming the holder's pid, never queued. The kernel drops the lock when the
/// holder dies (even by SIGKILL), so a crash never leaves a stale lock; the journal then says what to roll back.
/// The last holder unlinks the file before it unlocks, and every acquirer re-checks that the path still names the
/// file it locked, so a lock taken on an unlinked file is retried instead of trusted.
/// </summary>
internal sealed unsafe partial class BaseLock : IDisposable
{
    private int _fd;
    private readonly bool _exclusive;
    private readonly bool _canUnlink;

    private BaseLock(string path, int fd, bool exclusive, bool canUnlink)
    {
        FilePath = path;
        _fd = fd;
        _exclusive = exclusive;
        _canUnlink = canUnlink;
    }

    /// <summary>The lock file.</summary>
    public string FilePath { get; }

    /// <summary>The lock file of a base path (file, index JSON or folder).</summary>
    public static string PathFor(string basePath)
    {
        string full = Path.GetFullPath(basePath);
        if (Directory.Exists(full)) return Path.Combine(full, ".shira-lock");
        if (full.EndsWith(".json", StringComparison.OrdinalIgnoreCase))
            return Path.Combine(Path.GetDirectoryName(full)!, ".shira-lock");
        return full + ".shira-lock";
    }

    /// <summary>Takes the writer's (exclusive) lock or throws <see cref="ShiraErrorCode.BaseLocked"/>.</summary>
    public static BaseLock AcquireExclusive(string basePath) => Acquire(basePath, exclusive: true)!;

    /// <summary>Takes a reader's (shared) lock; throws <see cref="ShiraErrorCode.BaseLocked"/> while a writer holds
    /// it. Returns null where no lock file can be created (a read-only folder: no in-place writer can work there
    /// either, it could not create its journal).</summary>
    public static BaseLock? AcquireShared(string basePath) => Acquire(basePath, exclusive: false);

    private static BaseLock? Acquire(string basePath, bool exclusive)
    {
        string path = PathFor(basePath);
        if (!OperatingSystem.IsLinux() && !OperatingSystem.IsMacOS() && !OperatingSystem.IsFreeBSD())
            return AcquireWindows(path, exclusive);
        for (int attempt = 0; ; attempt++)
        {
            int fd = Open(path, OFlags(), 0x1A4 /* 0644 */);
            if (fd < 0)
            {
                int errno = Marshal.GetLastPInvokeError();
                if (!exclusive) return null;
                throw ShiraErrors.IoError(path, $"cannot create the lock file (errno {errno})");
            }
            bool keep = false;
            try
            {
                if (Flock(fd, (exclusive ? LockEx : LockSh) | LockNb) != 0)
                {
                    int errno = Marshal.GetLastPInvokeError();
                    if (errno != EWouldBlock)
                        throw ShiraErrors.IoError(path, $"cannot lock it (errno {errno})");
                    throw Locked(basePath, path, fd, exclusive);
                }
                // The previous exclusive holder may have unlinked the file between our open and our flock: that
                // inode guards nothing any more, so open the path again.
                var same = SameFile(fd, path);
                if (same == false)
                {
                    if (attempt > 100) throw ShiraErrors.IoError(path, "the lock file keeps being replaced");
                    continue;
                }
                if (exclusive)
                {
                    var pid = Encoding.ASCII.GetBytes(Environment.ProcessId.ToString(CultureInfo.InvariantCulture) + "\n");
                    _ = FTruncate(fd, 0);
                    fixed (byte* p = pid) _ = PWrite(fd, p, pid.Length, 0);
                }
                keep = true;
                return new BaseLock(path, fd, exclusive, canUnlink: same == true && OperatingSystem.IsLinux());
            }
            finally
            {
                if (!keep) _ = Close(fd);
            }
        }
    }

    private static ShiraException Locked(string basePath, string lockPath, int fd, bool exclusive)
    {
        var holders = HolderPids(fd);
        string who;
        if (holders.Count > 0)
        {
            string pids = string.Join(", ", holders.Select(h => h.Pid.ToString(CultureInfo.InvariantCulture)));
            bool writer = holders.Any(h => h.Exclusive);
            who = writer ? $"process {pids} is patching it in place (apply, revert, switch or recover)"
                : $"process {pids} has it open for reading";
        }
        else
        {
            string pid = ReadPid(fd);
            who = pid.Length > 0 ? $"process {pid} holds its lock" : "another process holds its lock";
        }
        string what = exclusive ? "cannot change the base in place" : "cannot read the base while it is patched in place";
        return ShiraErrors.BaseLocked($"{what}: {who} ({lockPath}); try again when it has finished", basePath);
    }

    /// <summary>The pids holding a flock on the same inode, from <c>/proc/locks</c> (Linux; empty elsewhere).</summary>
    private static List<(int Pid, bool Exclusive)> HolderPids(int fd)
    {
        var result = new List<(int, bool)>();
        if (!OperatingSystem.IsLinux() || !TryStat(fd, null, out _, out ulong ino)) return result;
        try
        {
            string suffix = ":" + ino.ToString(CultureInfo.InvariantCulture);
            foreach (var line in File.ReadLines("/proc/locks"))
            {
                // "1: FLOCK  ADVISORY  WRITE 1234 08:01:5678 0 EOF"; blocked waiters have "->" (we never wait).
                var f = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
                if (f.Length < 6 || f[1] != "FLOCK") continue;
                if (!f[5].EndsWith(suffix, StringComparison.Ordinal)) continue;
                if (int.TryParse(f[4], NumberStyles.None, CultureInfo.InvariantCulture, out int pid))
                    result.Add((pid, f[3] == "WRITE"));
            }
        }
        catch (IOException) { }
        catch (UnauthorizedAccessException) { }
        return result;
    }

    private static string ReadPid(int fd)
    {
        byte* buf = stackalloc byte[32];
        long n = PRead(fd, buf, 32, 0);
        if (n <= 0) return "";
        var s = Encoding.ASCII.GetString(buf, (int)n).Trim();
        return int.TryParse(s, NumberStyles.None, CultureInfo.InvariantCulture, out _) ? s : "";
    }

    /// <summary>true: the path names the locked inode; false: it does not (unlinked or replaced); null: unknown.</summary>
    private static bool? SameFile(int fd, string path)
    {
        if (!OperatingSystem.IsLinux()) return null;
        if (!TryStat(fd, null, out ulong dev, out ulong ino)) return null;
        if (!TryStat(-1, path, out ulong pdev, out ulong pino)) return Marshal.GetLastPInvokeError() == ENoEnt ? false : null;
        return dev == pdev && ino == pino;
    }

    /// <summary>st_dev and st_ino, the first two 64-bit fields of Linux's struct stat on x86-64 and arm64.</summary>
    private static bool TryStat(int fd, string? path, out ulong dev, out ulong ino)
    {
        dev = ino = 0;
        if (RuntimeInformation.ProcessArchitecture is not (Architecture.X64 or Architecture.Arm64)) return false;
        byte* st = stackalloc byte[256];
        try
        {
            int rc = path is null ? FStat(fd, st) : Stat(path, st);
            if (rc != 0) return false;
        }
        catch (EntryPointNotFoundException) { return false; } // glibc < 2.33 exports only __fxstat
        dev = *(ulong*)st;
        ino = *(ulong*)(st + 8);
        return true;
    }

    private static BaseLock AcquireWindows(string path, bool exclusive)
    {
        // No flock: share modes give the same exclusion (without the holder's pid).
        try
        {
            var fs = new FileStream(path, FileMode.OpenOrCreate, FileAccess.ReadWrite,
                exclusive ? FileShare.None : FileShare.ReadWrite, 1, exclusive ? FileOptions.DeleteOnClose : FileOptions.None);
            var l = new BaseLock(path, -1, exclusive, false) { _windows = fs };
            return l;
        }
        catch (IOException)
        {
            throw ShiraErrors.BaseLocked($"cannot {(exclusive ? "change the base in place" : "read the base")}: another process holds its lock ({path}); try again when it has finished", path);
        }
    }

    private FileStream? _windows;

    /// <summary>Releases the lock.</summary>
    public void Dispose()
    {
        _windows?.Dispose();
        _windows = null;
        if (_fd < 0) return;
        // The last holder (an exclusive one, or a reader that can turn its lock exclusive) removes the file, so no
        // lock file outlives the work. Acquirers that opened it meanwhile see the unlink and retry (SameFile).
        if (_canUnlink && (_exclusive || Flock(_fd, LockEx | LockNb) == 0)) _ = Unlink(FilePath);
        _ = Close(_fd);
        _fd = -1;
    }

    private static int OFlags() => OperatingSystem.IsLinux()
        ? 0x2 | 0x40 | 0x80000          // O_RDWR | O_CREAT | O_CLOEXEC
        : 0x2 | 0x200 | 0x1000000;      // macOS/BSD values

    private const int LockSh = 1, LockEx = 2, LockNb = 4;
    private static int EWouldBlock => OperatingSystem.IsLinux() ? 11 : 35;
    private const int ENoEnt = 2;

    [LibraryImport("libc", EntryPoint = "open", StringMarshalling = StringMarshalling.Utf8, SetLastError = true)]
    private static partial int Open(string path, int flags, int mode);

    [LibraryImport("libc", EntryPoint = "flock", SetLastError = true)]
    private static partial int Flock(int fd, int operation);

    [LibraryImport("libc", EntryPoint = "close")]
    private static partial int Close(int fd);

    [LibraryImport("libc", EntryPoint = "unlink", StringMarshalling = StringMarshalling.Utf8)]
    private static partial int Unlink(string path);

    [LibraryImport("libc", EntryPoint = "ftruncate")]
    private static partial int FTruncate(int fd, long length);

    [LibraryImport("libc", EntryPoint = "pwrite")]
    private static partial long PWrite(int fd, byte* buffer, long count, long offset);

    [LibraryImport("libc", EntryPoint = "pread")]
    private static partial long PRead(int fd, byte* buffer, long count, long offset);

    [LibraryImport("libc", EntryPoint = "fstat", SetLastError = true)]
    private static partial int FStat(int fd, byte* stat);

    [LibraryImport("libc", EntryPoint = "stat", StringMarshalling = StringMarshalling.Utf8, SetLastError = true)]
    private static partial int Stat(string path, byte* stat);
}
