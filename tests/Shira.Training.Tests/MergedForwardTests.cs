using CsCheck;
using Shira.Format;
using Shira.Training.Masks;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Shira.Training.Tests;

/// <summary>
/// The fast path (<see cref="ShiraForwardMode.Merged"/>): one matmul with W + ΔW and the values' gradient at the mask
/// only. Its truth is the dense path (<see cref="ShiraForwardMode.DenseDelta"/>, plain autograd through a scattered
/// dense ΔW) and a direct double loop.
/// </summary>
public sealed class MergedForwardTests
{
    public static TheoryData<int, int, MaskStrategy, int[]> Cases => new()
    {
        // out, in, mask, input shape (last dim = in): 2-D and 3-D, tokens below, at and across the token block.
        { 24, 16, MaskStrategy.Random, [1, 16] },
        { 16, 40, MaskStrategy.Structured, [3, 7, 40] },
        { 33, 20, MaskStrategy.WeightMagnitude, [130, 20] },
        { 64, 48, MaskStrategy.Random, [2, 150, 48] },
        { 8, 300, MaskStrategy.Structured, [4, 64, 300] },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public void Values_and_input_gradients_equal_the_dense_path(int outF, int inF, MaskStrategy strategy, int[] inputShape)
    {
        using var scope = NewDisposeScope();
        var gen = new Generator(42UL + (ulong)(outF * 1000 + inF));
        var weight = randn([outF, inF], generator: gen).mul(0.2);
        var bias = randn([outF], generator: gen);
        var mask = strategy switch
        {
            MaskStrategy.Random => MaskSelector.Random(outF, inF, AdapterBudget.FromRank(2), 5),
            MaskStrategy.Structured => MaskSelector.Structured(outF, inF, AdapterBudget.FromRank(2)),
            _ => MaskSelector.TopK(MaskScores.WeightMagnitude(weight), outF, inF, AdapterBudget.FromRank(2), strategy),
        };
        var values = randn([mask.Count], generator: gen).mul(0.5);
        var x = randn(inputShape.Select(d => (long)d).ToArray(), generator: gen);
        var upstream = randn([.. inputShape[..^1].Select(d => (long)d), outF], generator: gen);

        var (denseY, denseDx, denseDv) = Run(ShiraForwardMode.DenseDelta, weight, bias, mask, values, x, upstream);
        var (mergedY, mergedDx, mergedDv) = Run(ShiraForwardMode.Merged, weight, bias, mask, values, x, upstream);

        Assert.True(mergedY.allclose(denseY, rtol: 1e-4, atol: 1e-5), $"outputs differ by {(mergedY - denseY).abs().max().item<float>()}");
        Assert.True(mergedDx.allclose(denseDx, rtol: 1e-4, atol: 1e-5), $"dx differs by {(mergedDx - denseDx).abs().max().item<float>()}");
        Assert.True(mergedDv.allclose(denseDv, rtol: 1e-4, atol: 1e-4), $"dv differs by {(mergedDv - denseDv).abs().max().item<float>()}");
        Assert.True(denseDv.abs().max().item<float>() > 1e-3f, "degenerate case: the values' gradient is zero");
    }

    // One layer with the given base and values in a mode; returns y, dx and dv for loss = Σ y ⊙ upstream.
    private static (Tensor Y, Tensor Dx, Tensor Dv) Run(ShiraForwardMode mode, Tensor weight, Tensor bias, SparseMask mask,
        Tensor values, Tensor x, Tensor upstream)
    {
        var linear = nn.Linear(weight.shape[1], weight.shape[0]);
        using (no_grad())
        {
            linear.weight!.copy_(weight);
            linear.bias!.copy_(bias);
        }
        var holder = new LinearHolder(linear);
        using var adapter = ShiraAdapter.Attach(holder, new ShiraConfig { TargetModules = ["inner"], ForwardMode = mode },
            new Dictionary<string, SparseMask> { ["inner"] = mask });
        using (no_grad()) adapter.Layers[0].Values.copy_(values);
        var input = x.detach().clone().requires_grad_(true);
        var y = holder.call(input);
        y.mul(upstream).sum().backward();
        var result = (y.detach().clone(), input.grad!.clone(), adapter.Layers[0].Values.grad!.clone());
        adapter.Remove();
        Assert.Equal(weight.data<float>().ToArray(), linear.weight!.data<float>().ToArray()); // the base is back, bit for bit
        return result;
    }

    [Fact]
    public void Sampled_product_equals_a_direct_double_loop()
    {
        Gen.Select(Gen.Int[1, 300], Gen.Int[1, 9], Gen.Int[1, 9], Gen.Int[1, 2]).Sample((tokens, outF, inF, threads) =>
        {
            using var scope = NewDisposeScope();
            var gen = new Generator((ulong)(tokens * 131 + outF * 17 + inF));
            var g = randn([tokens, outF], generator: gen);
            var x = randn([tokens, inF], generator: gen);
            // Every position, in a scrambled order, some twice: the kernel must not assume sorted or unique entries.
            var rows = new List<int>();
            var cols = new List<int>();
            for (int k = 0; k < outF * inF + 3; k++)
            {
                int flat = (k * 7 + 3) % (outF * inF);
                rows.Add(flat / inF);
                cols.Add(flat % inF);
            }
            var dv = SampledProduct.ValuesGradient(g, x, [.. rows], [.. cols], threads).data<float>().ToArray();
            var gd = g.data<float>().ToArray();
            var xd = x.data<float>().ToArray();
            for (int k = 0; k < rows.Count; k++)
            {
                double sum = 0;
                for (int t = 0; t < tokens; t++) sum += (double)gd[t * outF + rows[k]] * xd[t * inF + cols[k]];
                Assert.True(Math.Abs(dv[k] - sum) <= 1e-4 * (1 + Math.Abs(sum)), $"entry {k}: {dv[k]} vs {sum}");
            }
        }, iter: 40);
    }

    [Fact]
    public void Training_steps_give_the_same_values_as_the_dense_path()
    {
        var (m1, t1, dense, r1) = ShiraAdapterTests.TrainTiny(MaskStrategy.Random, steps: 8, mode: ShiraForwardMode.DenseDelta);
        var (m2, t2, merged, r2) = ShiraAdapterTests.TrainTiny(MaskStrategy.Random, steps: 8, mode: ShiraForwardMode.Merged);
        using (m1) using (t1) using (dense) using (m2) using (t2) using (merged)
        {
            for (int s = 0; s < r1.Steps.Count; s++) Assert.Equal(r1.Steps[s].Loss, r2.Steps[s].Loss, 1e-5);
            for (int l = 0; l < dense.Layers.Count; l++)
            {
                var a = dense.Layers[l].GetValues();
                var b = merged.Layers[l].GetValues();
                Assert.True(a.Max(Math.Abs) > 1e-2f, "the values did not move");
                for (int k = 0; k < a.Length; k++) Assert.True(Math.Abs(a[k] - b[k]) <= 1e-4f + 1e-3f * Math.Abs(a[k]), $"{dense.Layers[l].Name}[{k}]: {a[k]} vs {b[k]}");
            }
        }
    }

    [Fact]
    public void While_attached_the_weight_is_exactly_what_applying_the_file_gives_and_remove_restores_the_base()
    {
        var (model, task, adapter, _) = ShiraAdapterTests.TrainTiny(MaskStrategy.Random, steps: 5, mode: ShiraForwardMode.Merged);
        using (model) using (task) using (adapter)
        {
            using var fresh = new ShiraTinyModel(7);
            var baseWeights = fresh.Snapshot();
            // The weight is rewritten on each forward pass, so after the last optimizer step it lags until the next one.
            task.MeanLoss(model);
            var attached = model.Snapshot();
            foreach (var layer in adapter.Layers)
            {
                // W[i] + v in f32, the rounding `shira apply` does; nothing outside the mask moved.
                var expected = (float[])baseWeights[layer.TensorName].Clone();
                var v = layer.GetValues();
                for (int k = 0; k < v.Length; k++) expected[layer.Mask.Indices[k]] += v[k];
                Assert.Equal(expected, attached[layer.TensorName]);
                Assert.Equal(expected, layer.EffectiveWeight());
            }
            using (var scope = NewDisposeScope())
            using (no_grad())
            {
                // Evaluation (no autograd) takes the plain path and agrees with training's.
                var x = task.Inputs[0];
                var expectedOut = nn.functional.linear(x, tensor(adapter.Layers[0].EffectiveWeight(), [ShiraTinyModel.Hidden, ShiraTinyModel.In]),
                    adapter.Layers[0].Module.bias!);
                Assert.Equal(expectedOut.data<float>().ToArray(), adapter.Layers[0].Module.call(x).data<float>().ToArray());
            }
            adapter.Remove();
            adapter.Remove(); // idempotent: the base stays the base
            Assert.Equal(baseWeights.Keys, model.Snapshot().Keys);
            foreach (var (name, w) in baseWeights) Assert.Equal(w, model.Snapshot()[name]);
        }
    }

    /// <summary>A model holding one linear layer named <c>inner</c>.</summary>
    private sealed class LinearHolder : nn.Module<Tensor, Tensor>
    {
        private readonly Linear inner;

        public LinearHolder(Linear linear) : base("holder")
        {
            inner = linear;
            RegisterComponents();
        }

        public override Tensor forward(Tensor x) => inner.call(x);
    }
}
