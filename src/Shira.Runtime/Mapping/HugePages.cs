using System.Runtime.InteropServices;

namespace Shira.Runtime.Mapping;

/// <summary>
/// Large in-memory bases on Linux ask for transparent huge pages (<c>madvise(MADV_HUGEPAGE)</c>): a sparse apply
/// visits a few lines of nearly every 4 KiB page, so with 4 KiB pages it pays a TLB miss per page. Best effort:
/// when THP is off, or on other systems, nothing changes.
/// </summary>
internal static unsafe partial class HugePages
{
    public const nuint Size = 2 << 20;
    private const int MadvHugepage = 14;

    /// <summary>Allocates <paramref name="length"/> bytes, 2 MiB-aligned when large, advised for huge pages.</summary>
    public static void* Allocate(long length)
    {
        bool large = length >= (long)Size && OperatingSystem.IsLinux();
        void* p = NativeMemory.AlignedAlloc((nuint)Math.Max(1, length), large ? Size : 64);
        if (large) _ = MAdvise(p, (nuint)length & ~(nuint)4095, MadvHugepage);
        return p;
    }

    [LibraryImport("libc", EntryPoint = "madvise")]
    private static partial int MAdvise(void* address, nuint length, int advice);
}
