using System.Globalization;
using System.Runtime.InteropServices;

namespace Shira.Training;

/// <summary>Process memory figures from <c>/proc/self</c> (Linux); zero or false elsewhere.</summary>
public static partial class ProcessMemory
{
    /// <summary>
    /// At the end of a set-up phase (before a training loop): collects .NET garbage that holds memory (large
    /// managed arrays such as a calibration's gradient scores, and tensor handles only a finalizer would release),
    /// then <see cref="TryReleaseFreedMemory"/>. A full blocking collection is deliberate here: it runs once, and
    /// without it that memory stays resident for the whole loop because the loop allocates too little managed
    /// memory to trigger a collection.
    /// </summary>
    public static bool TryReleaseSetUpMemory()
    {
        GC.Collect(GC.MaxGeneration, GCCollectionMode.Forced, blocking: true, compacting: true);
        GC.WaitForPendingFinalizers();
        // Aggressive also decommits what the collection freed; a plain collection keeps it committed (resident).
        GC.Collect(GC.MaxGeneration, GCCollectionMode.Aggressive, blocking: true, compacting: true);
        return TryReleaseFreedMemory();
    }

    /// <summary>
    /// Returns heap memory that was freed but is still held by the C allocator to the system (glibc
    /// <c>malloc_trim(0)</c>); false where that is not available (not Linux, or not glibc). libtorch frees tensors
    /// with <c>free</c>, and glibc keeps large freed blocks in its heap once its mmap threshold has grown, so after a
    /// one-off burst (a mask calibration's dense gradients) the resident set stays high though nothing uses it.
    /// </summary>
    public static bool TryReleaseFreedMemory()
    {
        // Called after every training step: a C library without malloc_trim (musl) is found out once, not per step.
        if (s_noTrim || !OperatingSystem.IsLinux()) return false;
        try
        {
            _ = MallocTrim(0);
            return true;
        }
        catch (Exception e) when (e is DllNotFoundException or EntryPointNotFoundException)
        {
            s_noTrim = true;
            return false;
        }
    }

    private static volatile bool s_noTrim;

    /// <summary>Peak resident set size (VmHWM) in bytes.</summary>
    public static long PeakRssBytes() => ReadStatus("VmHWM:");

    /// <summary>Current resident set size (VmRSS) in bytes.</summary>
    public static long CurrentRssBytes() => ReadStatus("VmRSS:");

    /// <summary>Resets the peak to the current RSS (writes 5 to <c>/proc/self/clear_refs</c>); false when not allowed.</summary>
    public static bool TryResetPeak()
    {
        try
        {
            File.WriteAllText("/proc/self/clear_refs", "5");
            return true;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or NotSupportedException)
        {
            return false;
        }
    }

    private static long ReadStatus(string key)
    {
        try
        {
            foreach (var line in File.ReadLines("/proc/self/status"))
            {
                if (!line.StartsWith(key, StringComparison.Ordinal)) continue;
                var parts = line[key.Length..].Trim().Split(' ', StringSplitOptions.RemoveEmptyEntries);
                return long.Parse(parts[0], CultureInfo.InvariantCulture) * 1024; // reported in kB
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or FormatException)
        {
        }
        return 0;
    }

    [LibraryImport("libc", EntryPoint = "malloc_trim")]
    private static partial int MallocTrim(nuint pad);
}
