using System.Text.Json;
using Shira.Format;
using Shira.Format.Safetensors;
using Shira.Testing;
using Shira.Training.Masks;
using static TorchSharp.torch;

namespace Shira.Training.Tests;

public class LoraAdapterTests
{
    private static (ShiraTinyModel, ShiraTinyTask, LoraAdapter, TrainingResult) TrainTiny(int steps = 40, long seed = 7)
    {
        Trainer.SetDeterministic(seed, threads: 1);
        var model = new ShiraTinyModel(seed);
        var task = new ShiraTinyTask(seed);
        var adapter = LoraAdapter.Attach(model, new LoraConfig { TargetModules = ["fc1", "fc2"], Rank = 2, Alpha = 4, Seed = 3 });
        var result = Trainer.Train(adapter, s => task.Step(model, s),
            new TrainerOptions { Steps = steps, LearningRate = 2e-2, Seed = seed });
        return (model, task, adapter, result);
    }

    [Fact]
    public void Lora_trains_at_the_same_parameter_budget_as_shira_and_leaves_the_base_alone()
    {
        Trainer.SetDeterministic(7, 1);
        using var reference = new ShiraTinyModel(7);
        var before = reference.Snapshot();
        using var referenceTask = new ShiraTinyTask(7);
        double initial = referenceTask.MeanLoss(reference);

        var (model, task, adapter, _) = TrainTiny();
        using (model) using (task) using (adapter)
        {
            Assert.True(task.MeanLoss(model) < 0.8 * initial, $"loss {task.MeanLoss(model)} vs {initial}");
            var after = model.Snapshot();
            foreach (var (name, w) in before) Assert.Equal(w, after[name]);

            var budget = AdapterBudget.FromRank(2);
            long shiraCount = budget.EntriesFor(ShiraTinyModel.Hidden, ShiraTinyModel.In)
                + budget.EntriesFor(ShiraTinyModel.Hidden, ShiraTinyModel.Hidden);
            Assert.Equal(shiraCount, adapter.TrainableParameterCount);
            Assert.Equal(shiraCount, adapter.TrainableParameters.Sum(p => p.numel()));
        }
    }

    [Fact]
    public void Saved_folder_is_a_peft_lora_adapter_that_reproduces_the_trained_weights()
    {
        using var dir = new TempDir();
        var (model, task, adapter, result) = TrainTiny(steps: 15);
        using (model) using (task) using (adapter)
        {
            var folder = Path.Combine(dir.Path, "lora");
            adapter.Save(folder, new AdapterExportInfo { Name = "tiny", BaseModel = "tiny-mlp", Parameters = result.Parameters });

            using var config = JsonDocument.Parse(File.ReadAllBytes(Path.Combine(folder, "adapter_config.json")));
            var root = config.RootElement;
            Assert.Equal("LORA", root.GetProperty("peft_type").GetString());
            Assert.Equal(2, root.GetProperty("r").GetInt32());
            Assert.Equal(4.0, root.GetProperty("lora_alpha").GetDouble());
            Assert.False(root.GetProperty("fan_in_fan_out").GetBoolean());
            Assert.False(root.GetProperty("use_rslora").GetBoolean());
            Assert.Equal(["fc1", "fc2"], root.GetProperty("target_modules").EnumerateArray().Select(e => e.GetString()));

            using var st = SafetensorsFile.Open(Path.Combine(folder, "adapter_model.safetensors"));
            Assert.Equal(
                ["base_model.model.block.fc1.lora_A.weight", "base_model.model.block.fc1.lora_B.weight",
                 "base_model.model.block.fc2.lora_A.weight", "base_model.model.block.fc2.lora_B.weight"],
                st.Tensors.Select(t => t.Name).Order(StringComparer.Ordinal));
            var baseWeights = model.Snapshot();
            foreach (var layer in adapter.Layers)
            {
                st.TryGetTensor($"base_model.model.{layer.Name}.lora_A.weight", out var aInfo);
                st.TryGetTensor($"base_model.model.{layer.Name}.lora_B.weight", out var bInfo);
                long inF = layer.Module.in_features, outF = layer.Module.out_features;
                Assert.Equal([2L, inF], aInfo.Shape);
                Assert.Equal([outF, 2L], bInfo.Shape);
                Assert.Equal(DType.F32, aInfo.DType);

                // PEFT's merge, W + (alpha / r)·B·A, computed here from the file alone.
                var a = st.ReadSingles(aInfo.Name);
                var b = st.ReadSingles(bInfo.Name);
                var w = baseWeights[layer.Name + ".weight"];
                var effective = layer.EffectiveWeight();
                for (long o = 0; o < outF; o++)
                    for (long i = 0; i < inF; i++)
                    {
                        double d = 0;
                        for (int r = 0; r < 2; r++) d += (double)b[o * 2 + r] * a[r * inF + i];
                        Assert.Equal(w[o * inF + i] + 2.0 * d, effective[o * inF + i], 1e-5);
                    }
            }
        }
    }

    [Fact]
    public void Forward_pass_uses_the_merged_weights_and_same_seed_gives_same_bytes()
    {
        using var dir = new TempDir();
        byte[] Run(string name, out bool forwardMatches)
        {
            var (model, task, adapter, result) = TrainTiny(steps: 10);
            using (model) using (task) using (adapter)
            {
                using (var scope = NewDisposeScope())
                using (no_grad())
                {
                    var layer = adapter.Layer("block.fc2");
                    var x = randn(5, ShiraTinyModel.Hidden);
                    var expected = nn.functional.linear(x, tensor(layer.EffectiveWeight(), [ShiraTinyModel.Hidden, ShiraTinyModel.Hidden]),
                        layer.Module.bias!);
                    forwardMatches = layer.Module.call(x).allclose(expected, rtol: 1e-5, atol: 1e-6);
                }
                var folder = Path.Combine(dir.Path, name);
                adapter.Save(folder, new AdapterExportInfo { Parameters = result.Parameters });
                return File.ReadAllBytes(Path.Combine(folder, "adapter_model.safetensors"));
            }
        }
        var first = Run("a", out var ok1);
        var second = Run("b", out var ok2);
        Assert.True(ok1 && ok2);
        Assert.Equal(first, second);
    }
}
