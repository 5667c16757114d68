using System.Diagnostics;
using System.Runtime.CompilerServices;
using TorchSharp;
using static TorchSharp.torch;

namespace Shira.Bench.Runtime;

/// <summary>LoRA fusion at the same r in TorchSharp, in this process: the plain form W += s·(B·A) and the fused
/// <c>addmm_</c>. Kept in its own class so that a TorchSharp load failure is caught by the caller.</summary>
internal static class LoraFusion
{
    /// <summary>Milliseconds for one fusion of every module (plain, addmm_), over <paramref name="reps"/> (the suite's statistic).</summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    public static (double Plain, double Addmm) Measure((string Name, int Out, int In)[] modules, int rank, bool bf16, int reps)
    {
        torch.set_num_threads(Environment.ProcessorCount);
        var dtype = bf16 ? ScalarType.BFloat16 : ScalarType.Float32;
        const float scale = 2f;
        var plain = new List<double>();
        var fused = new List<double>();
        for (int rep = 0; rep < reps + 1; rep++) // the first round warms up
        {
            double p = 0, f = 0;
            foreach (var (_, o, i) in modules)
            {
                using var scope = torch.NewDisposeScope();
                var w = torch.randn([o, i], dtype: dtype);
                var b = torch.randn([o, rank], dtype: dtype);
                var a = torch.randn([rank, i], dtype: dtype);
                var sw = Stopwatch.StartNew();
                w.add_(b.matmul(a), alpha: scale);
                p += sw.Elapsed.TotalMilliseconds;
                sw.Restart();
                w.addmm_(b, a, beta: 1f, alpha: scale);
                f += sw.Elapsed.TotalMilliseconds;
            }
            if (rep > 0) { plain.Add(p); fused.Add(f); }
        }
        return (RuntimeSuite.Stat(plain), RuntimeSuite.Stat(fused));
    }
}
