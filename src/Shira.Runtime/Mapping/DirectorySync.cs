using System.Runtime.InteropServices;

namespace Shira.Runtime.Mapping;

/// <summary>fsync of a directory, so that a created, renamed or deleted entry survives a crash (POSIX needs this;
/// on Windows NTFS journals metadata and there is no portable equivalent, so it is a no-op there).</summary>
internal static partial class DirectorySync
{
    private const int ORdOnly = 0;
    private const int ODirectory = 0x10000; // Linux x86-64/arm64

    public static void Sync(string directory)
    {
        if (!OperatingSystem.IsLinux()) return;
        int fd = Open(directory, ORdOnly | ODirectory);
        if (fd < 0) return; // best effort: the data files themselves were fsynced
        try { _ = FSync(fd); }
        finally { _ = Close(fd); }
    }

    [LibraryImport("libc", EntryPoint = "open", StringMarshalling = StringMarshalling.Utf8)]
    private static partial int Open(string path, int flags);

    [LibraryImport("libc", EntryPoint = "fsync")]
    private static partial int FSync(int fd);

    [LibraryImport("libc", EntryPoint = "close")]
    private static partial int Close(int fd);
}
