using Shira.Format;
using Shira.Format.Container;
using Shira.Format.Safetensors;
using Shira.Runtime;
using Shira.Testing;
using Shira.Training.Masks;
using static TorchSharp.torch;

namespace Shira.Training.Tests;

public class ShiraAdapterTests
{
    private static readonly string[] Targets = ["fc1", "fc2"];
    private static readonly string[] AdaptedModules = ["block.fc1", "block.fc2"];

    public static TheoryData<MaskStrategy> Strategies => new()
    {
        MaskStrategy.Structured, MaskStrategy.Random, MaskStrategy.WeightMagnitude, MaskStrategy.Gradient, MaskStrategy.Snip,
    };

    /// <summary>Builds the model, attaches SHiRA and trains; the caller disposes.</summary>
    internal static (ShiraTinyModel Model, ShiraTinyTask Task, ShiraAdapter Adapter, TrainingResult Result) TrainTiny(
        MaskStrategy strategy, int steps = 40, ShiraForwardMode mode = ShiraForwardMode.Merged, long seed = 7)
    {
        Trainer.SetDeterministic(seed, threads: 1);
        var model = new ShiraTinyModel(seed);
        var task = new ShiraTinyTask(seed);
        var adapter = ShiraAdapter.Attach(model, new ShiraConfig
        {
            TargetModules = Targets,
            Strategy = strategy,
            Budget = AdapterBudget.FromRank(2),
            Seed = 11,
            CalibrationBatches = 2,
            ForwardMode = mode,
        }, b => task.Loss(model, b));
        var result = Trainer.Train(adapter, s => task.Step(model, s),
            new TrainerOptions { Steps = steps, LearningRate = 2e-2, Seed = seed });
        return (model, task, adapter, result);
    }

    public static TheoryData<MaskStrategy, ShiraForwardMode> StrategiesAndModes()
    {
        var data = new TheoryData<MaskStrategy, ShiraForwardMode>();
        foreach (var s in (MaskStrategy[])[MaskStrategy.Structured, MaskStrategy.Random, MaskStrategy.WeightMagnitude, MaskStrategy.Gradient, MaskStrategy.Snip])
            foreach (var m in (ShiraForwardMode[])[ShiraForwardMode.Merged, ShiraForwardMode.DenseDelta])
                data.Add(s, m);
        return data;
    }

    [Theory]
    [MemberData(nameof(StrategiesAndModes))]
    public void Training_lowers_the_loss_and_changes_only_masked_entries(MaskStrategy strategy, ShiraForwardMode mode)
    {
        Trainer.SetDeterministic(7, threads: 1);
        using var reference = new ShiraTinyModel(7);
        var before = reference.Snapshot();
        using var referenceTask = new ShiraTinyTask(7);
        double initialLoss = referenceTask.MeanLoss(reference);

        var (model, task, adapter, _) = TrainTiny(strategy, mode: mode);
        using (model) using (task) using (adapter)
        {
            Assert.True(task.MeanLoss(model) < 0.8 * initialLoss, $"loss {task.MeanLoss(model)} vs initial {initialLoss}");

            // The base model is untouched outside the mask (merged mode holds W + ΔW there while attached) and
            // nothing else is trainable.
            var during = model.Snapshot();
            Assert.All(model.parameters(), p => Assert.False(p.requires_grad));
            foreach (var (name, w) in before)
                if (!adapter.Layers.Any(l => l.TensorName == name)) Assert.Equal(w, during[name]);

            foreach (var layer in adapter.Layers)
            {
                var effective = layer.EffectiveWeight();
                var baseWeight = before[layer.TensorName];
                var mask = new HashSet<long>(layer.Mask.Indices);
                int changed = 0;
                for (int i = 0; i < effective.Length; i++)
                {
                    if (BitConverter.SingleToInt32Bits(effective[i]) == BitConverter.SingleToInt32Bits(baseWeight[i])) continue;
                    Assert.Contains((long)i, mask);
                    changed++;
                }
                Assert.True(changed > layer.Mask.Count / 2, $"{layer.Name}: only {changed} of {layer.Mask.Count} entries moved");
            }

            // Detached, every base weight is back bit for bit.
            adapter.Remove();
            var after = model.Snapshot();
            foreach (var (name, w) in before) Assert.Equal(w, after[name]);
        }
    }

    [Fact]
    public void Forward_pass_computes_with_the_effective_weights()
    {
        var (model, task, adapter, _) = TrainTiny(MaskStrategy.Random, steps: 10);
        using (model) using (task) using (adapter)
        {
            var layer = adapter.Layer("block.fc1");
            using var scope = NewDisposeScope();
            using var _ = no_grad();
            var x = task.Inputs[0];
            var w = tensor(layer.EffectiveWeight(), [layer.Mask.Rows, layer.Mask.Cols]);
            var expected = nn.functional.linear(x, w, layer.Module.bias!);
            var actual = layer.Module.call(x);
            Assert.True(actual.allclose(expected, rtol: 1e-5, atol: 1e-6));
        }
    }

    [Theory]
    [MemberData(nameof(StrategiesAndModes))]
    public void Saved_file_validates_and_applying_it_to_the_base_reproduces_the_trained_weights(MaskStrategy strategy, ShiraForwardMode mode)
    {
        using var dir = new TempDir();
        var (model, task, adapter, result) = TrainTiny(strategy, steps: 20, mode: mode);
        using (model) using (task) using (adapter)
        {
            // The base checkpoint: the same seed's untouched model (a merged adapter holds W + ΔW in the layers).
            var baseFile = dir.File("base.safetensors");
            using var untouched = new ShiraTinyModel(7);
            var sources = untouched.named_parameters().Select(p => SafetensorsTensorSource.FromBytes(p.name, DType.F32,
                p.parameter.shape.ToArray(), p.parameter.detach().contiguous().bytes.ToArray())).ToList();
            SafetensorsWriter.WriteFile(baseFile, sources);

            var file = dir.File("task.shira");
            adapter.Save(file, new AdapterExportInfo { Name = "tiny", BaseModel = "tiny-mlp", Parameters = result.Parameters, HashBaseTensors = true });
            var report = ShiraReader.ValidateFile(file);
            Assert.True(report.IsValid, string.Join("; ", report.Issues));

            using (var reader = ShiraReader.Open(file))
            {
                Assert.Equal(["block.fc1.weight", "block.fc2.weight"], reader.Tensors.Select(t => t.Name));
                Assert.Equal(strategy.ToString(), reader.Metadata.Parameters["mask_strategy"]);
                Assert.Equal("20", reader.Metadata.Parameters["steps"]);
                Assert.Equal("0.02", reader.Metadata.Parameters["lr"]);
                Assert.Equal("7", reader.Metadata.Parameters["seed"]);
                Assert.Equal(["block.fc1.weight", "block.fc2.weight"], reader.Metadata.BaseFingerprint.Select(f => f.Name));
                foreach (var info in reader.Tensors)
                {
                    var layer = adapter.Layers.Single(l => l.TensorName == info.Name);
                    Assert.Equal(Semantics.Add, info.Semantics);
                    Assert.Equal(1f, info.Scale);
                    Assert.Equal(strategy, info.Mask.Strategy);
                    Assert.Equal(2, info.Mask.Rank);
                    Assert.Equal(strategy == MaskStrategy.Structured, info.IndexEncoding == IndexEncoding.Structured);
                    var indices = new long[info.Nnz];
                    var values = new float[info.Nnz];
                    reader.ReadIndices(info, indices);
                    reader.ReadValues(info, values);
                    Assert.Equal(layer.Mask.Indices, indices);

                    // A plain scatter of the file's data onto the base weights gives the trained weights exactly.
                    using var baseSt = SafetensorsFile.Open(baseFile);
                    var w = baseSt.ReadSingles(info.Name);
                    for (int k = 0; k < indices.Length; k++) w[indices[k]] += values[k];
                    Assert.Equal(layer.EffectiveWeight(), w);
                }
            }

            // The runtime's merge gives the same bits.
            var merged = dir.File("merged.safetensors");
            AdapterMerge.ApplyToCopy(baseFile, [(file, 1f)], merged);
            using var mergedSt = SafetensorsFile.Open(merged);
            foreach (var layer in adapter.Layers)
                Assert.Equal(layer.EffectiveWeight(), mergedSt.ReadSingles(layer.TensorName));
            Assert.Equal(model.Snapshot()["head.weight"], mergedSt.ReadSingles("head.weight"));
        }
    }

    [Fact]
    public void Fingerprint_and_base_dtype_come_from_the_base_checkpoint_when_given()
    {
        using var dir = new TempDir();
        var (model, task, adapter, result) = TrainTiny(MaskStrategy.Random, steps: 5);
        using (model) using (task) using (adapter)
        {
            // A bf16 base checkpoint (round to nearest even), as real checkpoints often are.
            static ushort Bf16(float f)
            {
                uint b = BitConverter.SingleToUInt32Bits(f);
                return (ushort)((b + 0x7FFF + ((b >> 16) & 1)) >> 16);
            }
            var snapshot = model.Snapshot();
            var baseFile = dir.File("base.bf16.safetensors");
            SafetensorsWriter.WriteFile(baseFile, model.named_parameters().Select(p =>
            {
                var bytes = snapshot[p.name].SelectMany(f => BitConverter.GetBytes(Bf16(f))).ToArray();
                return SafetensorsTensorSource.FromBytes(p.name, DType.BF16, p.parameter.shape.ToArray(), bytes);
            }).ToList());

            var file = dir.File("task.shira");
            adapter.Save(file, new AdapterExportInfo { Name = "tiny", BaseCheckpoint = baseFile });
            using (var reader = ShiraReader.Open(file))
            {
                Assert.All(reader.Tensors, t => Assert.Equal(DType.BF16, t.BaseDType));
                Assert.All(reader.Metadata.BaseFingerprint, f => Assert.Equal(DType.BF16, f.DType));
                Assert.All(reader.Metadata.BaseFingerprint, f => Assert.NotNull(f.ContentHash));
            }

            // The runtime accepts it against the bf16 base and writes bf16(f32(W) + v) at the mask.
            var merged = dir.File("merged.safetensors");
            AdapterMerge.ApplyToCopy(baseFile, [(file, 1f)], merged);
            using var mergedSt = SafetensorsFile.Open(merged);
            foreach (var layer in adapter.Layers)
            {
                var w = snapshot[layer.TensorName].Select(f => BitConverter.UInt32BitsToSingle((uint)Bf16(f) << 16)).ToArray();
                var v = layer.GetValues();
                for (int k = 0; k < v.Length; k++) w[layer.Mask.Indices[k]] += v[k];
                var expected = w.Select(f => BitConverter.UInt32BitsToSingle((uint)Bf16(f) << 16)).ToArray();
                Assert.Equal(expected, mergedSt.ReadSingles(layer.TensorName));
            }

            // A checkpoint without the adapted tensors is refused.
            var other = dir.File("other.safetensors");
            SafetensorsWriter.WriteFile(other, [SafetensorsTensorSource.FromBytes("x", DType.F32, [1], new byte[4])]);
            var e = Assert.Throws<ShiraException>(() => adapter.Save(dir.File("bad.shira"), new AdapterExportInfo { BaseCheckpoint = other }));
            Assert.Equal(ShiraErrorCode.BaseTensorMissing, e.Code);
            Assert.False(File.Exists(dir.File("bad.shira")));
        }
    }

    [Theory]
    [InlineData(MaskStrategy.Random)]
    [InlineData(MaskStrategy.Snip)]
    [InlineData(MaskStrategy.Structured)]
    public void Same_seed_gives_the_same_adapter_bytes(MaskStrategy strategy)
    {
        using var dir = new TempDir();
        byte[] Run(string name)
        {
            var (model, task, adapter, result) = TrainTiny(strategy, steps: 15);
            using (model) using (task) using (adapter)
            {
                var path = dir.File(name);
                adapter.Save(path, new AdapterExportInfo { Name = "tiny", Parameters = result.Parameters });
                return File.ReadAllBytes(path);
            }
        }
        var first = Run("a.shira");
        var second = Run("b.shira");
        Assert.Equal(first, second);
    }

    [Fact]
    public void Gather_and_dense_delta_forward_modes_agree()
    {
        var (m1, t1, a1, r1) = TrainTiny(MaskStrategy.Random, steps: 10, mode: ShiraForwardMode.DenseDelta);
        var (m2, t2, a2, r2) = TrainTiny(MaskStrategy.Random, steps: 10, mode: ShiraForwardMode.Gather);
        using (m1) using (t1) using (a1) using (m2) using (t2) using (a2)
        {
            Assert.Equal(a1.Layers.Select(l => l.Mask.Indices), a2.Layers.Select(l => l.Mask.Indices));
            for (int s = 0; s < r1.Steps.Count; s++) Assert.Equal(r1.Steps[s].Loss, r2.Steps[s].Loss, 1e-5);
            using var scope = NewDisposeScope();
            using var _ = no_grad();
            Assert.True(m1.call(t1.Inputs[1]).allclose(m2.call(t2.Inputs[1]), rtol: 1e-4, atol: 1e-5));
        }
    }

    [Fact]
    public void Remove_restores_the_base_outputs_and_budget_matches_lora()
    {
        var (model, task, adapter, result) = TrainTiny(MaskStrategy.Random, steps: 10);
        using (model) using (task) using (adapter)
        {
            Assert.Equal(AdaptedModules, adapter.TargetModules);
            // rank-2 budget: r·(in+out) per layer, what LoRA r=2 trains.
            long expected = 2 * (ShiraTinyModel.In + ShiraTinyModel.Hidden) + 2 * (ShiraTinyModel.Hidden + ShiraTinyModel.Hidden);
            Assert.Equal(expected, adapter.TrainableParameterCount);
            Assert.Equal(16 * expected, result.AdapterStateBytes); // values, grads, two Adam moments, f32

            using var scope = NewDisposeScope();
            using var _ = no_grad();
            var x = task.Inputs[0];
            var adapted = model.call(x);
            adapter.Remove();
            Assert.False(adapter.Layers[0].IsAttached);
            using var fresh = new ShiraTinyModel(7);
            Assert.Equal(fresh.call(x).data<float>().ToArray(), model.call(x).data<float>().ToArray());
            Assert.False(adapted.allclose(fresh.call(x)));
        }
    }

    [Fact]
    public void Gradient_strategy_needs_calibration_batches()
    {
        using var model = new ShiraTinyModel(3);
        var e = Assert.Throws<ArgumentException>(() =>
            ShiraAdapter.Attach(model, new ShiraConfig { TargetModules = Targets, Strategy = MaskStrategy.Gradient }));
        Assert.Equal("calibrationLoss", e.ParamName);
    }

    [Fact]
    public void Unmatched_targets_are_an_argument_error()
    {
        using var model = new ShiraTinyModel(3);
        var e = Assert.Throws<ArgumentException>(() =>
            ShiraAdapter.Attach(model, new ShiraConfig { TargetModules = ["q_proj"] }));
        Assert.Contains("no linear module matches", e.Message, StringComparison.Ordinal);
    }
}
