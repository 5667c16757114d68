using Shira.Format;
using Shira.Training.Masks;
using static TorchSharp.torch;

namespace Shira.Training.Tests;

public class TrainerTests
{
    [Fact]
    public void Every_step_is_reported_with_loss_tokens_and_memory()
    {
        Trainer.SetDeterministic(2, 1);
        using var model = new ShiraTinyModel(2);
        using var task = new ShiraTinyTask(2, batches: 3, batchSize: 16);
        using var adapter = ShiraAdapter.Attach(model, new ShiraConfig { TargetModules = ["head"], Budget = AdapterBudget.FromDensity(0.25) });
        var seen = new List<TrainingStepReport>();
        var result = Trainer.Train(adapter, s => task.Step(model, s), new TrainerOptions { Steps = 6, LearningRate = 1e-2 }, seen.Add);

        Assert.Equal(seen, result.Steps);
        Assert.Equal([1, 2, 3, 4, 5, 6], result.Steps.Select(r => r.Step));
        Assert.All(result.Steps, r => Assert.Equal(16, r.Tokens));
        Assert.Equal(result.Steps[^1].Loss, result.FinalLoss);
        // The reported loss is the batch loss before that step's update: step 4 sees batch 0 again, after 3 updates.
        Assert.True(result.Steps[3].Loss < result.Steps[0].Loss);
        if (OperatingSystem.IsLinux())
        {
            Assert.True(result.PeakRssBytes >= result.Steps[0].PeakRssBytes || !result.PeakIsTrainingOnly);
            Assert.True(result.PeakRssBytes > 0);
        }
        Assert.Equal("shira-rand", result.Parameters["method"]);
        Assert.Equal("6", result.Parameters["steps"]);
        Assert.Equal("AdamW", result.Parameters["optimizer"]);
    }

    [Fact]
    public void Optimizer_updates_only_the_adapter_values()
    {
        Trainer.SetDeterministic(2, 1);
        using var model = new ShiraTinyModel(2);
        using var task = new ShiraTinyTask(2);
        using var adapter = ShiraAdapter.Attach(model, new ShiraConfig { TargetModules = ["fc1"], Budget = AdapterBudget.FromRank(1) });
        Assert.Single(adapter.TrainableParameters);
        Assert.Equal([adapter.Layers[0].Mask.Count], adapter.TrainableParameters[0].shape);
        Trainer.Train(adapter, s => task.Step(model, s), new TrainerOptions { Steps = 3 });
        Assert.All(model.parameters(), p => Assert.True(p.grad is null));
    }

    [Fact]
    public void Adapters_attached_inside_a_dispose_scope_survive_it()
    {
        Trainer.SetDeterministic(4, 1);
        using var model = new ShiraTinyModel(4);
        using var task = new ShiraTinyTask(4);
        ShiraAdapter shira;
        LoraAdapter lora;
        using (NewDisposeScope())
        {
            shira = ShiraAdapter.Attach(model, new ShiraConfig { TargetModules = ["fc1"], Budget = AdapterBudget.FromRank(1) });
            lora = LoraAdapter.Attach(model, new LoraConfig { TargetModules = ["fc2"], Rank = 1 });
        }
        using (shira) using (lora)
        {
            double before = task.MeanLoss(model);
            Trainer.Train(shira, s => task.Step(model, s), new TrainerOptions { Steps = 8, LearningRate = 1e-2 });
            Trainer.Train(lora, s => task.Step(model, s), new TrainerOptions { Steps = 8, LearningRate = 1e-2 });
            Assert.True(task.MeanLoss(model) < before);
            Assert.Equal(shira.Layers[0].Mask.Count, shira.Layers[0].GetValues().Length);
        }
    }

    [Fact]
    public void Bad_options_are_argument_errors_and_a_diverging_loss_is_a_training_error()
    {
        using var model = new ShiraTinyModel(2);
        using var adapter = ShiraAdapter.Attach(model, new ShiraConfig { TargetModules = ["head"] });
        Assert.Throws<ArgumentOutOfRangeException>(() => Trainer.Train(adapter, _ => default, new TrainerOptions { Steps = 0 }));
        Assert.Throws<ArgumentOutOfRangeException>(() => Trainer.Train(adapter, _ => default, new TrainerOptions { Steps = 1, LearningRate = 0 }));
        Assert.Equal(ShiraErrorCode.TrainingDiverged, Assert.Throws<ShiraException>(() =>
            Trainer.Train(adapter, _ => new StepLoss(tensor(float.NaN), 1), new TrainerOptions { Steps = 2 })).Code);
    }
}
