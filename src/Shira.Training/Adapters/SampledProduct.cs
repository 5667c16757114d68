using System.Numerics;
using TorchSharp;
using static TorchSharp.torch;

namespace Shira.Training;

/// <summary>
/// The gradient of SHiRA's values without a dense [out, in] gradient: for mask entry k at (row_k, col_k),
/// <c>dv_k = Σ_t g[t, row_k] · x[t, col_k]</c> (a sampled dense-dense product). g and x are transposed once so that
/// each entry is a dot product of two contiguous token vectors; tokens are walked in blocks small enough that the
/// blocks of both stay in cache, and entries are split over threads (each owns a range of dv, so no races).
/// Cost: tokens × nnz multiply-adds, against tokens × out × in for the dense gradient.
/// </summary>
internal static class SampledProduct
{
    /// <summary>Tokens per block: 128 f32 = 512 bytes per row, so a block of x for in = 4096 is 2 MiB.</summary>
    internal const int TokenBlock = 128;

    /// <summary>dv [nnz] (f32) for output gradients <paramref name="grad"/> [tokens, out] and inputs
    /// <paramref name="input"/> [tokens, in]; <paramref name="rows"/>/<paramref name="cols"/> are the entries'
    /// coordinates.</summary>
    public static Tensor ValuesGradient(Tensor grad, Tensor input, int[] rows, int[] cols, int threads)
    {
        ArgumentNullException.ThrowIfNull(grad);
        ArgumentNullException.ThrowIfNull(input);
        if (grad.dim() != 2 || input.dim() != 2 || grad.shape[0] != input.shape[0])
            throw new ArgumentException($"need [tokens, out] and [tokens, in], got [{string.Join(", ", grad.shape)}] and [{string.Join(", ", input.shape)}]");
        int nnz = rows.Length;
        var dv = zeros(nnz, dtype: ScalarType.Float32);
        long tokens = grad.shape[0];
        if (nnz == 0 || tokens == 0) return dv;
        using (var scope = NewDisposeScope())
        {
            var gT = grad.detach().t().to(ScalarType.Float32).contiguous();   // [out, tokens]
            var xT = input.detach().t().to(ScalarType.Float32).contiguous();  // [in, tokens]
            Compute(gT, xT, dv, rows, cols, tokens, Math.Max(1, threads));
        }
        return dv;
    }

    private static unsafe void Compute(Tensor gT, Tensor xT, Tensor dv, int[] rows, int[] cols, long tokens, int threads)
    {
        fixed (byte* gBytes = gT.bytes)
        fixed (byte* xBytes = xT.bytes)
        fixed (byte* dBytes = dv.bytes)
        {
            float* g = (float*)gBytes, x = (float*)xBytes, d = (float*)dBytes;
            int nnz = rows.Length;
            // Below ~64k multiply-adds per thread the fork costs more than it saves.
            int parts = (int)Math.Clamp(nnz * tokens / 65536, 1, threads);
            if (parts == 1)
            {
                Range(g, x, d, rows, cols, tokens, 0, nnz);
                return;
            }
            Parallel.For(0, parts, new ParallelOptions { MaxDegreeOfParallelism = parts }, p =>
            {
                int start = (int)((long)nnz * p / parts), end = (int)((long)nnz * (p + 1) / parts);
                Range(g, x, d, rows, cols, tokens, start, end);
            });
        }
    }

    private static unsafe void Range(float* g, float* x, float* d, int[] rows, int[] cols, long tokens, int start, int end)
    {
        for (long t0 = 0; t0 < tokens; t0 += TokenBlock)
        {
            int n = (int)Math.Min(TokenBlock, tokens - t0);
            for (int k = start; k < end; k++)
                d[k] += Dot(g + rows[k] * tokens + t0, x + cols[k] * tokens + t0, n);
        }
    }

    private static unsafe float Dot(float* a, float* b, int n)
    {
        int i = 0;
        float sum = 0;
        if (Vector.IsHardwareAccelerated && n >= 2 * Vector<float>.Count)
        {
            int w = Vector<float>.Count;
            var s0 = Vector<float>.Zero;
            var s1 = Vector<float>.Zero;
            for (; i <= n - 2 * w; i += 2 * w)
            {
                s0 = Vector.FusedMultiplyAdd(Vector.Load(a + i), Vector.Load(b + i), s0);
                s1 = Vector.FusedMultiplyAdd(Vector.Load(a + i + w), Vector.Load(b + i + w), s1);
            }
            sum = Vector.Sum(s0 + s1);
        }
        for (; i < n; i++) sum += a[i] * b[i];
        return sum;
    }
}
