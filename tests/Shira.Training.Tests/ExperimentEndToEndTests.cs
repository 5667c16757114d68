using Shira.Format;
using Shira.Format.Container;
using Shira.Format.Safetensors;
using Shira.Runtime;
using Shira.Testing;
using Shira.Training.Data;
using Shira.Training.Jobs;
using Shira.Training.Masks;
using Shira.Training.Models;
using static TorchSharp.torch;

namespace Shira.Training.Tests;

/// <summary>Tiny LLaMA end to end: fine-tune, export, apply with the runtime, compare with the trained model.</summary>
public sealed class ExperimentEndToEndTests
{
    // GQA on purpose (k/v narrower than q) so shapes are not all square.
    private static readonly LlamaConfig Tiny = new()
    {
        VocabSize = ByteTokenizer.VocabSize, HiddenSize = 32, IntermediateSize = 64, NumHiddenLayers = 2,
        NumAttentionHeads = 4, NumKeyValueHeads = 2, RmsNormEps = 1e-6,
    };

    [Fact]
    public void Shira_fine_tune_lowers_the_loss_and_the_applied_file_reproduces_the_trained_logits()
    {
        using var dir = new TempDir();
        string basePath = dir.File("base.safetensors"), adapterPath = dir.File("caesar.shira"), mergedPath = dir.File("merged.safetensors");
        using var model = new LlamaForCausalLM(Tiny, seed: 3);
        LlamaCheckpoint.Save(model, basePath);
        var before = LlamaCheckpoint.Snapshot(model);

        var data = TokenDataset.ForTask(SequenceTask.Caesar, 256, seed: 1);
        var sampler = new BatchSampler(data, 16, seed: 1);
        using var adapter = ShiraAdapter.Attach(model, new ShiraConfig
        {
            // lm_head too: with HF's 0.02 init the final norm caps how far the blocks alone can move the logits.
            TargetModules = [.. TrainRequest.DefaultTargets, "lm_head"], Strategy = MaskStrategy.Random, Budget = AdapterBudget.FromRank(1), Seed = 5,
        });
        var result = Trainer.Train(adapter, _ =>
        {
            var batch = sampler.Next();
            return new StepLoss(model.Loss(batch), batch.InputTokens);
        }, new TrainerOptions { Steps = 25, LearningRate = 3e-2, Seed = 1 });

        double first = result.Steps[0].Loss, last = result.Steps.TakeLast(5).Average(s => s.Loss);
        Assert.True(last < first - 0.5, $"loss {first} → {last}");
        // Only the adapted weights hold W + ΔW while attached (merged forward); the rest never moved.
        var during = LlamaCheckpoint.Snapshot(model);
        for (int i = 0; i < before.Count; i++)
            if (!adapter.TargetModules.Contains(before[i].Name[..^".weight".Length])) Assert.Equal(before[i].Bytes, during[i].Bytes);

        adapter.Save(adapterPath, new AdapterExportInfo { Name = "caesar", BaseModel = "base.safetensors", Parameters = result.Parameters });
        var validation = ShiraReader.ValidateFile(adapterPath);
        Assert.True(validation.IsValid, string.Join("; ", validation.Issues.Select(x => x.Message)));
        using (var reader = ShiraReader.Open(adapterPath))
            Assert.Equal(15, reader.Tensors.Count);

        AdapterMerge.ApplyToCopy(basePath, [(adapterPath, 1f)], mergedPath);
        using var merged = LlamaCheckpoint.Load(mergedPath, Tiny);
        // Adapted tensors hold exactly W + ΔW; every other tensor is the base's.
        using (var file = SafetensorsFile.Open(mergedPath))
        {
            foreach (var (name, bytes, _) in before)
            {
                string module = name[..^".weight".Length];
                var expected = adapter.TargetModules.Contains(module) ? adapter.EffectiveWeight(module) : Floats(bytes);
                Assert.Equal(expected, file.ReadSingles(name));
            }
        }

        using var scope = NewDisposeScope();
        var probe = TokenDataset.ForTask(SequenceTask.Caesar, 8, seed: 2, "eval").GetBatch([0, 1, 2, 3, 4, 5, 6, 7]);
        using var noGrad = no_grad();
        var trained = model.call(probe.InputTensor());    // the trained model (merged forward: x·(W + ΔW)ᵀ)
        var applied = merged.call(probe.InputTensor());   // (W + ΔW) applied by the runtime
        var maxDiff = (trained - applied).abs().max().item<float>();
        Assert.True(maxDiff < 1e-4f, $"max |logit difference| = {maxDiff}");
        // Detached, the base weights are back bit for bit, and the adapter mattered: the base's logits differ.
        adapter.Remove();
        var after = LlamaCheckpoint.Snapshot(model);
        for (int i = 0; i < before.Count; i++) Assert.Equal(before[i].Bytes, after[i].Bytes);
        Assert.True((model.call(probe.InputTensor()) - applied).abs().max().item<float>() > 1e-2f);
    }

    [Fact]
    public void Lora_folder_merged_by_summing_deltas_reproduces_the_trained_logits()
    {
        using var dir = new TempDir();
        using var model = new LlamaForCausalLM(Tiny, seed: 4);
        string basePath = dir.File("base.safetensors"), folder = dir.File("lora");
        LlamaCheckpoint.Save(model, basePath);
        var sampler = new BatchSampler(TokenDataset.ForTask(SequenceTask.Reverse, 128, seed: 1), 16, seed: 1);
        using var adapter = LoraAdapter.Attach(model, new LoraConfig { TargetModules = ["q_proj", "down_proj"], Rank = 2, Alpha = 4, Seed = 2 });
        Trainer.Train(adapter, _ =>
        {
            var batch = sampler.Next();
            return new StepLoss(model.Loss(batch), batch.InputTokens);
        }, new TrainerOptions { Steps = 5, LearningRate = 1e-2, Seed = 1 });
        adapter.Save(folder, new AdapterExportInfo { Name = "reverse" });

        using var merged = LlamaCheckpoint.Load(basePath);
        LoraDeltas.MergeInto(merged, [folder]);
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        var ids = TokenDataset.ForTask(SequenceTask.Reverse, 4, seed: 3).GetBatch([0, 1, 2, 3]).InputTensor();
        var maxDiff = (model.call(ids) - merged.call(ids)).abs().max().item<float>();
        Assert.True(maxDiff < 1e-4f, $"max |logit difference| = {maxDiff}");

        // Merging the same folder twice doubles the delta (fusion sums): the result moves away again.
        LoraDeltas.MergeInto(merged, [folder]);
        Assert.True((model.call(ids) - merged.call(ids)).abs().max().item<float>() > 1e-6f);
    }

    [Fact]
    public void Train_runner_is_deterministic_for_a_seed_and_scores_the_task()
    {
        using var dir = new TempDir();
        string basePath = dir.File("base.safetensors");
        using (var model = new LlamaForCausalLM(Tiny, seed: 7)) LlamaCheckpoint.Save(model, basePath);
        TrainRequest Request(string output, ulong seed) => new()
        {
            BasePath = basePath, TaskName = "sort", Method = "shira", Strategy = MaskStrategy.Snip, Budget = AdapterBudget.FromRank(1),
            Steps = 4, BatchSize = 8, TrainExamples = 64, EvalExamples = 16, CalibrationBatches = 2, Seed = seed, OutputPath = output,
        };
        var a = TrainRunner.Run(Request(dir.File("a.shira"), 1));
        var b = TrainRunner.Run(Request(dir.File("b.shira"), 1));
        var c = TrainRunner.Run(Request(dir.File("c.shira"), 2));
        Assert.Equal(File.ReadAllBytes(dir.File("a.shira")), File.ReadAllBytes(dir.File("b.shira")));
        Assert.NotEqual(File.ReadAllBytes(dir.File("a.shira")), File.ReadAllBytes(dir.File("c.shira")));
        Assert.Equal(a.FinalLoss, b.FinalLoss);
        Assert.Equal("shira-snip", a.Method);
        Assert.Equal(16, a.AdaptedScore!.Examples);
        Assert.Equal(2 * (4 * 1 * (32 + 32) - 2 * 1 * 16 + 3 * 1 * (32 + 64)), a.TrainableParameters);

        // An inconsistent request is the caller's mistake: an argument exception (the CLI's exit 2), not a ShiraException.
        var bad = Assert.Throws<ArgumentException>(() => TrainRunner.Run(Request(dir.File("d.shira"), 1) with { TaskName = "nope" }));
        Assert.Contains("unknown task 'nope'", bad.Message, StringComparison.Ordinal);
        Assert.Throws<ArgumentException>(() => TrainRunner.Run(Request(dir.File("d.shira"), 1) with { InitTiny = true }));
        Assert.False(File.Exists(dir.File("d.shira")));
    }

    private static float[] Floats(byte[] bytes) => System.Runtime.InteropServices.MemoryMarshal.Cast<byte, float>(bytes).ToArray();
}
