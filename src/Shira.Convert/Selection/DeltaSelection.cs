using Shira.Format;
using Shira.Format.Numerics;


namespace Shira.Convert.Selection;

/// <summary>Top-k selection by magnitude, in O(n) time and one extra buffer of the delta's size.</summary>
public static class DeltaSelection
{
    /// <summary>The number of entries to keep for <paramref name="density"/> of <paramref name="numel"/> (ceil, at least 1 when density &gt; 0).</summary>
    public static long CountForDensity(double density, long numel)
    {
        if (density >= 1) return numel;
        if (density <= 0) return 0;
        long k = (long)Math.Ceiling(density * numel - 1e-9);
        return Math.Clamp(k, 1, numel);
    }

    /// <summary>The fewest entries whose squares sum to at least <paramref name="energy"/> of the total, in expected
    /// O(n): a quickselect over the magnitudes that keeps the energy of the part above the pivot, so no full sort.</summary>
    public static long CountForEnergy(ReadOnlySpan<float> delta, double energy)
    {
        if (energy <= 0) return 0;
        var a = new float[delta.Length];
        double total = 0;
        for (int i = 0; i < delta.Length; i++) { float m = Math.Abs(delta[i]); a[i] = m; total += (double)m * m; }
        if (total == 0) return 0;
        if (energy >= 1) energy = 1;
        // A hair of slack: the partition sums the squares in another order than a sorted scan, and a target of 1 must
        // not be missed by the last bit of rounding (it would add entries of no energy).
        double need = energy * total * (1 - 1e-13);
        long k = 0;
        int lo = 0, hi = a.Length - 1;
        while (lo <= hi)
        {
            int mid = lo + ((hi - lo) >> 1);
            float x = a[lo], y = a[mid], z = a[hi];
            float pivot = Math.Max(Math.Min(x, y), Math.Min(Math.Max(x, y), z));
            // Three-way partition of [lo, hi]: greater than the pivot first, then equal, then smaller.
            int gt = lo, i = lo, lt = hi;
            double above = 0;
            while (i <= lt)
            {
                float v = a[i];
                if (v > pivot) { above += (double)v * v; (a[gt], a[i]) = (a[i], a[gt]); gt++; i++; }
                else if (v < pivot) { (a[lt], a[i]) = (a[i], a[lt]); lt--; }
                else i++;
            }
            if (above >= need) { hi = gt - 1; continue; }
            need -= above;
            k += gt - lo;
            if (pivot == 0) return k;
            double p2 = (double)pivot * pivot;
            long equal = lt - gt + 1;
            if (p2 * equal >= need) return k + Math.Max(1, Math.Min(equal, (long)Math.Ceiling(need / p2)));
            need -= p2 * equal;
            k += equal;
            lo = lt + 1;
        }
        return Math.Min(k, delta.Length);
    }

    /// <summary>Keeps the <paramref name="k"/> largest |delta| entries (ties: lower index first) and measures the loss
    /// after rounding values to <paramref name="valueType"/>. An entry whose value is exactly zero once rounded to
    /// <paramref name="valueType"/> changes nothing when added, so it is never kept: the result can hold fewer than
    /// <paramref name="k"/> entries (none for an all-zero delta).</summary>
    public static SparseDelta TopK(ReadOnlySpan<float> delta, long k, ValueDType valueType)
    {
        int n = delta.Length;
        if (k > n) k = n;
        if (k < 0) k = 0;
        var indices = new long[k];
        var values = new float[k];
        if (k == n)
        {
            for (int i = 0; i < n; i++) { indices[i] = i; values[i] = delta[i]; }
        }
        else if (k > 0)
        {
            var mags = new float[n];
            for (int i = 0; i < n; i++) mags[i] = Math.Abs(delta[i]);
            float threshold = KthLargest(mags, (int)k);
            long above = 0;
            for (int i = 0; i < n; i++) if (Math.Abs(delta[i]) > threshold) above++;
            long equalQuota = k - above;
            int w = 0;
            for (int i = 0; i < n && w < k; i++)
            {
                float a = Math.Abs(delta[i]);
                if (a > threshold || (a == threshold && equalQuota-- > 0)) { indices[w] = i; values[w] = delta[i]; w++; }
            }
        }
        int nonZero = 0;
        for (int i = 0; i < values.Length; i++)
        {
            if (Round(values[i], valueType) == 0f) continue;
            indices[nonZero] = indices[i];
            values[nonZero] = values[i];
            nonZero++;
        }
        if (nonZero < values.Length)
        {
            Array.Resize(ref indices, nonZero);
            Array.Resize(ref values, nonZero);
        }
        Measure(delta, indices, values, valueType, out double err, out double kept);
        return new SparseDelta(indices, values, err, kept);
    }

    /// <summary>Relative Frobenius error and energy kept of a selection against the full delta.</summary>
    public static void Measure(ReadOnlySpan<float> delta, ReadOnlySpan<long> indices, ReadOnlySpan<float> values, ValueDType valueType,
        out double relativeError, out double energyKept)
    {
        double total = 0;
        foreach (var d in delta) total += (double)d * d;
        double keptEnergy = 0, errKept = 0;
        for (int i = 0; i < values.Length; i++)
        {
            double v = values[i];
            keptEnergy += v * v;
            double q = Round(values[i], valueType);
            errKept += (v - q) * (v - q);
        }
        double dropped = Math.Max(0, total - keptEnergy);
        relativeError = total == 0 ? 0 : Math.Sqrt((dropped + errKept) / total);
        energyKept = total == 0 ? 1 : Math.Min(1, keptEnergy / total);
    }

    /// <summary>A value as stored in <paramref name="type"/> (round to nearest even), widened back to f32.</summary>
    public static float Round(float v, ValueDType type) => type switch
    {
        ValueDType.F16 => FloatBits.F16ToSingle(FloatBits.SingleToF16(v)),
        ValueDType.BF16 => FloatBits.BF16ToSingle(FloatBits.SingleToBF16(v)),
        _ => v,
    };

    // Iterative quickselect (median of three); reorders the buffer.
    private static float KthLargest(float[] a, int k)
    {
        int lo = 0, hi = a.Length - 1, target = k - 1;
        while (true)
        {
            if (lo == hi) return a[lo];
            int mid = lo + ((hi - lo) >> 1);
            float x = a[lo], y = a[mid], z = a[hi];
            float pivot = Math.Max(Math.Min(x, y), Math.Min(Math.Max(x, y), z));
            int i = lo, j = hi;
            while (i <= j)
            {
                while (a[i] > pivot) i++;
                while (a[j] < pivot) j--;
                if (i <= j) { (a[i], a[j]) = (a[j], a[i]); i++; j--; }
            }
            if (target <= j) hi = j;
            else if (target >= i) lo = i;
            else return a[target];
        }
    }
}
