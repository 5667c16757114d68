using System.Runtime.InteropServices;
using Shira.Training;

namespace Shira.Training.Tests;

/// <summary>Runs alone: it reads the process's resident set, which other tests' allocations would move.</summary>
[CollectionDefinition(nameof(ResidentSetCollection), DisableParallelization = true)]
public sealed class ResidentSetCollection;

[Collection(nameof(ResidentSetCollection))]
public sealed class ProcessMemoryTests
{
    private const long MiB = 1 << 20;

    [Fact]
    public unsafe void Releasing_returns_what_the_C_heap_kept_after_free_to_the_system()
    {
        Assert.True(OperatingSystem.IsLinux(), "the project's tests run on Linux (glibc)");
        // 256 MiB in 64 KiB blocks, below glibc's mmap threshold, so they come from its heap. Freeing all but the
        // last leaves the memory in the heap (the last block pins its top), resident though nothing uses it.
        const int block = 64 * 1024, count = 4096;
        var blocks = new nint[count];
        for (int i = 0; i < count; i++)
        {
            blocks[i] = (nint)NativeMemory.Alloc(block);
            NativeMemory.Fill((void*)blocks[i], block, 1);
        }
        for (int i = 0; i < count - 1; i++) NativeMemory.Free((void*)blocks[i]);
        long kept = ProcessMemory.CurrentRssBytes();

        Assert.True(ProcessMemory.TryReleaseFreedMemory());
        long released = ProcessMemory.CurrentRssBytes();
        NativeMemory.Free((void*)blocks[^1]);

        Assert.True(kept - released > 128 * MiB, $"RSS {kept / MiB} MiB before the release, {released / MiB} MiB after");
    }

    [Fact]
    public void Set_up_release_also_returns_collected_managed_arrays()
    {
        // Large managed arrays that became garbage (a calibration's scores) stay committed after a plain collection.
        var arrays = new float[32][];
        for (int i = 0; i < arrays.Length; i++)
        {
            arrays[i] = new float[2 << 20];
            Array.Fill(arrays[i], 1f);
        }
        long held = ProcessMemory.CurrentRssBytes();
        Array.Clear(arrays);

        Assert.True(ProcessMemory.TryReleaseSetUpMemory());
        long released = ProcessMemory.CurrentRssBytes();

        Assert.True(held - released > 128 * MiB, $"RSS {held / MiB} MiB while held, {released / MiB} MiB after the release");
    }
}
