using CsCheck;
using Shira.Format;
using Shira.Training.Masks;
using TorchSharp;
using static TorchSharp.torch;

namespace Shira.Training.Tests;

public class MaskSelectorTests
{
    /// <summary>Brute force: the K highest scores, ties to the lower index, as sorted indices.</summary>
    private static long[] BruteTopK(float[] scores, long k) =>
        Enumerable.Range(0, scores.Length).OrderByDescending(i => scores[i]).ThenBy(i => i)
            .Take((int)k).Select(i => (long)i).Order().ToArray();

    [Theory]
    [InlineData(8, 8, 1)]
    [InlineData(8, 8, 3)]
    [InlineData(5, 13, 4)]
    [InlineData(20, 12, 7)]
    [InlineData(1, 9, 2)]
    public void Structured_mask_is_every_fth_row_and_column_plus_the_diagonal(int rows, int cols, int stride)
    {
        var mask = MaskSelector.Structured(rows, cols, stride);
        var expected = new List<long>();
        for (int r = 0; r < rows; r++)
            for (int c = 0; c < cols; c++)
                if (r % stride == 0 || c % stride == 0 || r == c) expected.Add((long)r * cols + c);
        Assert.Equal(expected, mask.Indices);
        Assert.Equal(MaskStrategy.Structured, mask.Info.Strategy);
        Assert.True(mask.Info.Diagonal);
        Assert.Equal(Enumerable.Range(0, rows).Where(r => r % stride == 0).Select(r => (long)r), mask.Info.Rows);
        Assert.Equal(Enumerable.Range(0, cols).Where(c => c % stride == 0).Select(c => (long)c), mask.Info.Columns);
        Assert.Equal((double)expected.Count / (rows * cols), mask.Info.Density);
    }

    [Theory]
    [InlineData(64, 64, 4)]
    [InlineData(64, 176, 2)]
    [InlineData(20, 12, 1)]
    public void Structured_budget_picks_the_stride_closest_to_r_times_in_plus_out(int rows, int cols, int rank)
    {
        var budget = AdapterBudget.FromRank(rank);
        long target = (long)rank * (rows + cols);
        var mask = MaskSelector.Structured(rows, cols, budget);
        long bestError = long.MaxValue;
        for (int f = 1; f <= Math.Max(rows, cols); f++)
            bestError = Math.Min(bestError, Math.Abs(MaskSelector.Structured(rows, cols, f).Count - target));
        Assert.Equal(bestError, Math.Abs(mask.Count - target));
        Assert.Equal(rank, mask.Info.Rank);
    }

    [Fact]
    public void Random_mask_has_exactly_K_distinct_sorted_positions_and_depends_only_on_the_seed()
    {
        Gen.Int[1, 40].Select(Gen.Int[1, 40], Gen.Int[1, 4], Gen.ULong).Sample((rows, cols, r, seed) =>
        {
            var budget = AdapterBudget.FromRank(r);
            var mask = MaskSelector.Random(rows, cols, budget, seed);
            long k = Math.Min((long)r * (rows + cols), (long)rows * cols);
            Assert.Equal(k, mask.Count);
            for (int i = 1; i < mask.Indices.Length; i++) Assert.True(mask.Indices[i] > mask.Indices[i - 1]);
            Assert.All(mask.Indices, i => Assert.InRange(i, 0, (long)rows * cols - 1));
            Assert.Equal(mask.Indices, MaskSelector.Random(rows, cols, budget, seed).Indices);
            Assert.Equal(seed, mask.Info.Seed);
        });
    }

    [Fact]
    public void Random_masks_differ_between_seeds_and_cover_the_matrix_uniformly()
    {
        Assert.NotEqual(MaskSelector.RandomIndices(10_000, 100, 1), MaskSelector.RandomIndices(10_000, 100, 2));
        // Every position of a 10x10 matrix is drawn about equally often over many seeds (k = 10 of 100).
        var hits = new int[100];
        for (ulong s = 0; s < 2000; s++)
            foreach (var i in MaskSelector.RandomIndices(100, 10, s)) hits[i]++;
        Assert.All(hits, h => Assert.InRange(h, 140, 260)); // mean 200
    }

    [Fact]
    public void TopK_selects_the_K_highest_scores_like_a_full_sort()
    {
        // Scores drawn from a small set so that ties are common.
        Gen.Int[1, 30].Select(Gen.Int[1, 30]).SelectMany((rows, cols) =>
                Gen.Int[0, 7].Select(v => v * 0.5f).Array[rows * cols].Select(Gen.Double[0.001, 1.0],
                    (scores, density) => (rows, cols, scores, density)))
            .Sample(t =>
            {
                var budget = AdapterBudget.FromDensity(t.density);
                var mask = MaskSelector.TopK(t.scores, t.rows, t.cols, budget, MaskStrategy.WeightMagnitude);
                long k = Math.Clamp((long)Math.Round(t.density * t.scores.Length, MidpointRounding.ToEven), 1, t.scores.Length);
                Assert.Equal(k, mask.Count);
                Assert.Equal(BruteTopK(t.scores, k), mask.Indices);
            });
    }

    [Fact]
    public void TopK_rejects_negative_or_non_finite_scores()
    {
        Assert.Equal("scores", Assert.Throws<ArgumentException>(() => MaskSelector.TopKIndices(new[] { 1f, -1f }, 1)).ParamName);
        Assert.Equal("scores", Assert.Throws<ArgumentException>(() => MaskSelector.TopKIndices(new[] { float.NaN }, 1)).ParamName);
    }

    [Fact]
    public void Weight_magnitude_mask_is_the_top_K_of_abs_W()
    {
        using var model = new ShiraTinyModel(5);
        using var adapter = ShiraAdapter.Attach(model, new ShiraConfig
        {
            TargetModules = ["fc1"], Strategy = MaskStrategy.WeightMagnitude, Budget = AdapterBudget.FromDensity(0.1),
        });
        var w = model.Snapshot()["block.fc1.weight"];
        var expected = BruteTopK(w.Select(MathF.Abs).ToArray(), (long)Math.Round(0.1 * w.Length, MidpointRounding.ToEven));
        Assert.Equal(expected, adapter.Layer("block.fc1").Mask.Indices);
    }

    [Theory]
    [InlineData(MaskStrategy.Gradient)]
    [InlineData(MaskStrategy.Snip)]
    public void Gradient_and_snip_masks_are_the_top_K_of_their_scores(MaskStrategy strategy)
    {
        Trainer.SetDeterministic(5, 1);
        using var model = new ShiraTinyModel(5);
        using var task = new ShiraTinyTask(5);
        var w = model.Snapshot()["block.fc2.weight"];

        // Independent scores: the same losses with fc2's weight as an explicit leaf, |grad| summed over 3 batches.
        var gradSum = new float[w.Length];
        using (var leaf = tensor(w, [ShiraTinyModel.Hidden, ShiraTinyModel.Hidden]).requires_grad_(true))
        {
            var fc2 = model.named_modules().Single(m => m.name == "block.fc2").module as TorchSharp.Modules.Linear;
            for (int b = 0; b < 3; b++)
            {
                using var scope = NewDisposeScope();
                var x = task.Inputs[b];
                var fc1 = model.named_modules().Single(m => m.name == "block.fc1").module as TorchSharp.Modules.Linear;
                var head = model.named_modules().Single(m => m.name == "head").module as TorchSharp.Modules.Linear;
                var h = nn.functional.tanh(nn.functional.linear(nn.functional.tanh(fc1!.forward(x)), leaf, fc2!.bias!));
                var loss = nn.functional.mse_loss(head!.forward(h), task.Targets[b]);
                var g = autograd.grad([loss], [leaf])[0];
                var ga = g.abs().data<float>().ToArray();
                for (int i = 0; i < ga.Length; i++) gradSum[i] += ga[i];
            }
        }
        var scores = strategy == MaskStrategy.Snip ? gradSum.Select((g, i) => g * MathF.Abs(w[i])).ToArray() : gradSum;

        using var adapter = ShiraAdapter.Attach(model, new ShiraConfig
        {
            TargetModules = ["fc2"], Strategy = strategy, Budget = AdapterBudget.FromDensity(0.05), CalibrationBatches = 3,
        }, b => task.Loss(model, b));
        var mask = adapter.Layer("block.fc2").Mask;
        Assert.Equal(strategy, mask.Info.Strategy);
        Assert.Equal(20, mask.Count); // 5% of 400
        Assert.Equal(BruteTopK(scores, 20), mask.Indices);
        // Calibration leaves no gradient and no trainable base weight behind.
        Assert.All(model.parameters(), p => { Assert.False(p.requires_grad); Assert.True(p.grad is null); });
    }

    [Theory]
    [InlineData(0.01, 10, 20, 2)]
    [InlineData(0.5, 10, 20, 100)]
    [InlineData(1.0, 3, 3, 9)]
    [InlineData(0.0001, 3, 3, 1)]
    public void Density_budget_rounds_and_clamps(double density, long rows, long cols, long expected) =>
        Assert.Equal(expected, AdapterBudget.FromDensity(density).EntriesFor(rows, cols));

    [Fact]
    public void Rank_budget_is_r_times_in_plus_out_capped_at_numel()
    {
        Assert.Equal(8 * (64 + 176), AdapterBudget.FromRank(8).EntriesFor(64, 176));
        Assert.Equal(16, AdapterBudget.FromRank(8).EntriesFor(4, 4));
        Assert.Equal(8, AdapterBudget.FromRank(8).LoraRankFor(64, 176));
        Assert.Equal(4, AdapterBudget.FromDensity(0.125).LoraRankFor(64, 64)); // 512 / 128
    }
}
