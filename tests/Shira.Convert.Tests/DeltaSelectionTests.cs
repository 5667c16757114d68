using CsCheck;
using Shira.Convert.Selection;

namespace Shira.Convert.Tests;

public class DeltaSelectionTests
{
    private static readonly Gen<float[]> Deltas = Gen.Float[-4f, 4f].Array[1, 300];

    [Fact]
    public void TopK_keeps_exactly_k_of_the_largest_magnitudes_in_ascending_order() =>
        Gen.Select(Deltas, Gen.Int[0, 320]).Sample((delta, k) =>
        {
            // Many ties: quantise some values so equal magnitudes occur.
            for (int i = 0; i < delta.Length; i += 3) delta[i] = MathF.Round(delta[i]);
            var sel = DeltaSelection.TopK(delta, k, Format.ValueDType.F32);
            // Zero values change nothing when added, so they are never kept.
            int expected = Math.Min(k, delta.Count(x => x != 0));
            Assert.Equal(expected, sel.Indices.Length);
            Assert.All(sel.Values, v => Assert.NotEqual(0f, v));
            for (int i = 1; i < sel.Indices.Length; i++) Assert.True(sel.Indices[i] > sel.Indices[i - 1]);
            var kept = new HashSet<long>(sel.Indices);
            float minKept = sel.Indices.Length == 0 ? float.PositiveInfinity : sel.Indices.Min(i => Math.Abs(delta[i]));
            for (int i = 0; i < delta.Length; i++)
            {
                if (kept.Contains(i)) continue;
                Assert.True(Math.Abs(delta[i]) <= minKept);
            }
            for (int i = 0; i < sel.Indices.Length; i++) Assert.Equal(delta[sel.Indices[i]], sel.Values[i]);
            Assert.InRange(sel.EnergyKept, 0, 1);
        });

    [Fact]
    public void Energy_count_is_the_fewest_entries_reaching_the_target() =>
        Gen.Select(Deltas, Gen.Double[0.01, 1]).Sample((delta, e) =>
        {
            long k = DeltaSelection.CountForEnergy(delta, e);
            double total = delta.Sum(x => (double)x * x);
            if (total == 0) { Assert.Equal(0, k); return; }
            var sorted = delta.Select(x => (double)x * x).OrderDescending().ToArray();
            double keptK = sorted.Take((int)k).Sum(), keptLess = sorted.Take((int)k - 1).Sum();
            Assert.True(keptK >= e * total * (1 - 1e-12));
            Assert.True(keptLess < e * total);
        });

    [Fact]
    public void TopK_drops_values_that_round_to_zero_in_the_value_type()
    {
        // 1e-30 is a normal f32 but below the smallest f16 subnormal (about 6e-8): stored as f16 it would be a zero.
        float[] delta = [0f, 1e-30f, 0.5f, 0f, -0.25f, 0f];
        var f32 = DeltaSelection.TopK(delta, 6, Format.ValueDType.F32);
        Assert.Equal([1L, 2, 4], f32.Indices);
        var f16 = DeltaSelection.TopK(delta, 6, Format.ValueDType.F16);
        Assert.Equal([2L, 4], f16.Indices);
        Assert.Empty(DeltaSelection.TopK(new float[12288], 12288, Format.ValueDType.F32).Indices);
    }

    [Fact]
    public void Density_count_rounds_up_and_stays_in_range() =>
        Gen.Select(Gen.Double[1e-6, 1], Gen.Long[1, 1_000_000]).Sample((d, n) =>
        {
            long k = DeltaSelection.CountForDensity(d, n);
            Assert.InRange(k, 1, n);
            Assert.True(k >= d * n - 1e-6);
            Assert.True(k - 1 < d * n);
        });
}
