using System.Runtime.Intrinsics;

namespace Shira.Convert.Lora;

/// <summary>The dense arithmetic of a LoRA merge, in f32 as PEFT does it.</summary>
internal static class LoraMath
{
    /// <summary>
    /// (B·A)·scale, row-major [rows, cols]: each product element is accumulated over k in order with fused
    /// multiply-adds (what OpenBLAS' sgemm kernels do for small k), then multiplied by the f32 scale separately,
    /// as PEFT's <c>(B @ A) * scaling</c>.
    /// </summary>
    public static float[] Product(float[] b, int rows, int r, float[] a, int cols, float scale)
    {
        var result = new float[checked(rows * cols)];
        for (int p = 0; p < rows; p++)
        {
            var row = result.AsSpan(p * cols, cols);
            for (int k = 0; k < r; k++)
                Fma(row, b[p * r + k], a.AsSpan(k * cols, cols));
            if (scale != 1f)
                for (int q = 0; q < cols; q++) row[q] *= scale;
        }
        return result;
    }

    private static void Fma(Span<float> acc, float s, ReadOnlySpan<float> x)
    {
        int q = 0;
        if (Vector256.IsHardwareAccelerated)
        {
            var sv = Vector256.Create(s);
            for (; q + 8 <= acc.Length; q += 8)
            {
                var v = Vector256.FusedMultiplyAdd(sv, Vector256.Create(x.Slice(q, 8)), Vector256.Create((ReadOnlySpan<float>)acc.Slice(q, 8)));
                v.CopyTo(acc.Slice(q, 8));
            }
        }
        for (; q < acc.Length; q++) acc[q] = MathF.FusedMultiplyAdd(s, x[q], acc[q]);
    }

    /// <summary>Transposes a row-major [rows, cols] matrix.</summary>
    public static float[] Transpose(float[] m, int rows, int cols)
    {
        var t = new float[m.Length];
        for (int p = 0; p < rows; p++)
            for (int q = 0; q < cols; q++)
                t[q * rows + p] = m[p * cols + q];
        return t;
    }

    /// <summary>
    /// DoRA's merged weight as PEFT computes it: V = W + ΔW, ‖V‖ per output row (over the input dimension),
    /// W' = (m / ‖V‖) · V. <paramref name="w"/> and <paramref name="delta"/> are [out, in]; returns W' [out, in].
    /// </summary>
    public static float[] DoraMerged(float[] w, float[] delta, float[] magnitude, int rows, int cols)
    {
        var result = new float[w.Length];
        var v = new float[cols];
        for (int p = 0; p < rows; p++)
        {
            for (int q = 0; q < cols; q++) v[q] = w[p * cols + q] + delta[p * cols + q];
            float factor = magnitude[p] / MathF.Sqrt(SumOfSquares(v));
            for (int q = 0; q < cols; q++) result[p * cols + q] = factor * v[q];
        }
        return result;
    }

    /// <summary>
    /// Σ x² in f32 the way torch.linalg.norm reduces a float row on an AVX2 CPU: eight lane accumulators
    /// (x·x rounded, then added), the lanes summed in order, then the tail. This order reproduces PEFT's DoRA merge
    /// bit for bit on the fixtures, where a double or a plain sequential sum differ in about 20% of entries.
    /// </summary>
    internal static float SumOfSquares(ReadOnlySpan<float> x)
    {
        Span<float> acc = stackalloc float[8];
        acc.Clear();
        int i = 0;
        for (; i + 8 <= x.Length; i += 8)
            for (int j = 0; j < 8; j++) { float sq = x[i + j] * x[i + j]; acc[j] += sq; }
        float s = 0;
        for (int j = 0; j < 8; j++) s += acc[j];
        for (; i < x.Length; i++) { float sq = x[i] * x[i]; s += sq; }
        return s;
    }
}
