namespace Shira.Format.IO;

/// <summary>
/// Refuses paths that are not regular files before they are opened: opening a FIFO for reading blocks until a writer
/// appears (a hang), a device never ends, and .NET reports a directory as "Access denied". Each gives
/// <see cref="ShiraErrorCode.NotRegularFile"/> instead. A missing path is left to the opener (<c>IoError</c>);
/// symbolic links are followed.
/// </summary>
public static partial class RegularFile
{
    /// <summary>Throws <see cref="ShiraErrorCode.NotRegularFile"/> when <paramref name="path"/> exists and is not a
    /// regular file (after following links).</summary>
    public static void Check(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        if (Directory.Exists(path))
            throw ShiraErrors.NotRegularFile($"'{path}' is a directory, not a file", path);
        string? kind = Kind(path);
        if (kind is not null)
            throw ShiraErrors.NotRegularFile($"'{path}' is a {kind}, not a regular file", path);
    }

    /// <summary>The kind of a non-regular, non-directory file ("FIFO", "socket", ...), or null (regular, missing,
    /// or unknown on this platform).</summary>
    private static unsafe string? Kind(string path)
    {
        if (!OperatingSystem.IsLinux()) return null;
        // st_mode: offset 24 in x86-64's struct stat (dev, ino, nlink are 64-bit), 16 in the generic (arm64) layout.
        int modeOffset = RuntimeInformation.ProcessArchitecture switch
        {
            Architecture.X64 => 24,
            Architecture.Arm64 => 16,
            _ => -1,
        };
        if (modeOffset < 0) return null;
        byte* st = stackalloc byte[256];
        try
        {
            if (Stat(path, st) != 0) return null;
        }
        catch (EntryPointNotFoundException) { return null; } // glibc < 2.33 exports only __xstat
        uint mode = *(uint*)(st + modeOffset) & 0xF000;
        return mode switch
        {
            0x8000 or 0x4000 => null, // regular file, directory (handled above)
            0x1000 => "FIFO",
            0xC000 => "socket",
            0x2000 => "character device",
            0x6000 => "block device",
            _ => "special file",
        };
    }

    [LibraryImport("libc", EntryPoint = "stat", StringMarshalling = StringMarshalling.Utf8)]
    private static unsafe partial int Stat(string path, byte* stat);
}
