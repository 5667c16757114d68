using Shira.Convert.Selection;
using Shira.Format;
using Shira.Format.Safetensors;

namespace Shira.Convert.Diff;

/// <summary>
/// One top-k over a whole checkpoint without holding it: two counting passes find the k-th largest |d| (the bits
/// of a non-negative float order like the value, so a 2^16-bucket histogram of the high half and then of the low
/// half pins it exactly); the writing pass keeps everything above it and, in tensor then index order, as many
/// entries equal to it as the budget still allows.
/// </summary>
internal sealed class GlobalThreshold
{
    private readonly uint _threshold;
    private long _equalQuota;

    private GlobalThreshold(uint threshold, long equalQuota)
    {
        _threshold = threshold;
        _equalQuota = equalQuota;
    }

    /// <summary>Finds the threshold for <paramref name="density"/> of the elements of <paramref name="tensors"/>.</summary>
    public static GlobalThreshold? Find(List<(string Name, SafetensorsFile Base, SafetensorsFile Tuned, DType DType)> tensors, double density, string tunedPath)
    {
        long numel = 0, nonzero = 0;
        var high = new long[1 << 16];
        foreach (var (name, b, t, dtype) in tensors)
        {
            var d = DenseDiff.Delta(name, dtype, b, t, tunedPath).Delta;
            numel += d.Length;
            foreach (var x in d)
            {
                uint bits = BitConverter.SingleToUInt32Bits(Math.Abs(x));
                if (bits == 0) continue;
                nonzero++;
                high[bits >> 16]++;
            }
        }
        long k = Math.Min(DeltaSelection.CountForDensity(density, numel), nonzero);
        if (k == 0) return new GlobalThreshold(uint.MaxValue, 0);

        long above = 0;
        int h = high.Length - 1;
        for (; h > 0 && above + high[h] < k; h--) above += high[h];
        var low = new long[1 << 16];
        foreach (var (name, b, t, dtype) in tensors)
            foreach (var x in DenseDiff.Delta(name, dtype, b, t, tunedPath).Delta)
            {
                uint bits = BitConverter.SingleToUInt32Bits(Math.Abs(x));
                if (bits != 0 && bits >> 16 == h) low[bits & 0xFFFF]++;
            }
        int l = low.Length - 1;
        for (; l > 0 && above + low[l] < k; l--) above += low[l];
        return new GlobalThreshold(((uint)h << 16) | (uint)l, k - above);
    }

    /// <summary>Orders <paramref name="delta"/>'s kept entries: the count to pass to a per-tensor top-k, which then
    /// picks exactly the entries above the threshold plus the allowed equal ones (lowest indices first).</summary>
    public long CountFor(float[] delta)
    {
        long count = 0, equal = 0;
        foreach (var x in delta)
        {
            uint bits = BitConverter.SingleToUInt32Bits(Math.Abs(x));
            if (bits == 0) continue;
            if (bits > _threshold) count++;
            else if (bits == _threshold) equal++;
        }
        long take = Math.Min(equal, _equalQuota);
        _equalQuota -= take;
        return count + take;
    }
}
