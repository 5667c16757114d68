using Shira.Testing;
using Shira.Training.Jobs;

namespace Shira.Training.Tests.Models;

public sealed class TinyBaseCacheTrainTests
{
    [Fact]
    public void Init_tiny_pretrains_once_then_reuses_the_cached_base_with_identical_results()
    {
        using var dir = new TempDir();
        TrainRequest Request(string name) => new()
        {
            InitTiny = true, SaveBasePath = dir.File(name + ".base.safetensors"), PretrainSteps = 3, TaskName = "caesar",
            TrainExamples = 16, EvalExamples = 0, Steps = 2, BatchSize = 4, Budget = Masks.AdapterBudget.FromRank(1),
            OutputPath = dir.File(name + ".shira"), TinyBaseCacheDirectory = dir.File("cache"), Seed = 4,
        };
        var first = TrainRunner.Run(Request("a"));
        var second = TrainRunner.Run(Request("b"));
        Assert.False(first.BaseFromCache);
        Assert.True(first.PretrainSeconds > 0);
        Assert.True(second.BaseFromCache);
        Assert.Equal(0, second.PretrainSeconds);
        Assert.Single(Directory.GetFiles(dir.File("cache")));
        Assert.Equal(File.ReadAllBytes(dir.File("a.base.safetensors")), File.ReadAllBytes(dir.File("b.base.safetensors")));
        Assert.Equal(first.FinalLoss, second.FinalLoss);
        // Without the cache it pretrains again.
        var third = TrainRunner.Run(Request("c") with { UseTinyBaseCache = false });
        Assert.False(third.BaseFromCache);
        Assert.True(third.PretrainSeconds > 0);
    }
}
