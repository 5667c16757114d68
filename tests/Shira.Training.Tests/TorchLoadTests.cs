using TorchSharp;
using static TorchSharp.torch;

// torch.manual_seed and set_num_threads are process-wide: tests that train or seed must not interleave.
[assembly: CollectionBehavior(DisableTestParallelization = true)]

namespace Shira.Training.Tests;

public class TorchLoadTests
{
    [Fact]
    public void TorchSharp_loads_and_multiplies_matrices()
    {
        // Fails with a TypeInitializationException when libLibTorchSharp.so cannot be loaded (see build/TorchSharpGlibcxx.targets).
        using var a = tensor(new float[] { 1, 2, 3, 4 }, [2, 2]);
        using var b = tensor(new float[] { 5, 6, 7, 8 }, [2, 2]);
        using var c = a.matmul(b);
        Assert.Equal(new float[] { 19, 22, 43, 50 }, c.data<float>().ToArray());
    }

    [Fact]
    public void Output_copy_of_LibTorchSharp_is_loadable_on_this_host()
    {
        if (!OperatingSystem.IsLinux()) return;
        var native = Path.Combine(AppContext.BaseDirectory, "runtimes", "linux-x64", "native", "libLibTorchSharp.so");
        Assert.True(File.Exists(native), native);
        using var t = ones(1); // make sure the backend is loaded
        // The process mapped the output copy (the one the build patches), not TorchSharp's fallback copy in cpu/.
        var mapped = File.ReadAllLines("/proc/self/maps")
            .Where(l => l.EndsWith("/libLibTorchSharp.so", StringComparison.Ordinal))
            .Select(l => l[l.IndexOf('/', StringComparison.Ordinal)..])
            .Distinct().ToList();
        Assert.Equal([Path.GetFullPath(native)], mapped);
    }
}
