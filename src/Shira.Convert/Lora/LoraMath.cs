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
    /// DoRA's merged weight minus the base, as PEFT merges it: V = W + ΔW, norm per output row (over the input
    /// dimension), W' = (m / ‖V‖) · V. <paramref name="w"/> and <paramref name="delta"/> are [out, in]; returns W' − W.
    /// </summary>
    public static float[] DoraDelta(float[] w, float[] delta, float[] magnitude, int rows, int cols)
    {
        var result = new float[w.Length];
        var v = new float[cols];
        for (int p = 0; p < rows; p++)
        {
            double sq = 0;
            for (int q = 0; q < cols; q++) { float x = w[p * cols + q] + delta[p * cols + q]; v[q] = x; sq += (double)x * x; }
            float norm = (float)Math.Sqrt(sq);
            float factor = magnitude[p] / norm;
            for (int q = 0; q < cols; q++) result[p * cols + q] = factor * v[q] - w[p * cols + q];
        }
        return result;
    }
}
