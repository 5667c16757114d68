using Shira.Format;
using Shira.Training.Jobs;
using Shira.Training.Masks;

namespace Shira.Training.Tests.Jobs;

/// <summary>The training policy the command line relies on lives in the library: default learning rates and the
/// mask names.</summary>
public sealed class TrainRequestTests
{
    [Fact]
    public void The_learning_rate_follows_the_method_unless_it_is_set()
    {
        Assert.Equal(3e-2, TrainRequest.DefaultLearningRate("shira"));
        Assert.Equal(1e-2, TrainRequest.DefaultLearningRate("lora"));
        var shira = new TrainRequest { OutputPath = "x.shira" };
        Assert.Equal(3e-2, shira.LearningRate);
        Assert.Equal(1e-2, (shira with { Method = "lora" }).LearningRate);
        var set = new TrainRequest { OutputPath = "x.shira", LearningRate = 5e-3 };
        Assert.Equal(5e-3, set.LearningRate);
        Assert.Equal(5e-3, (set with { Method = "lora" }).LearningRate); // a given rate is never replaced by a default
    }

    [Fact]
    public void Every_mask_name_parses_to_its_own_strategy()
    {
        var strategies = MaskNames.All.Select(n => MaskNames.Parse(n)).ToList();
        Assert.All(strategies, s => Assert.NotNull(s));
        Assert.Equal(strategies.Count, strategies.Distinct().Count());
        Assert.Equal(MaskStrategy.WeightMagnitude, MaskNames.Parse("weight"));
        Assert.Null(MaskNames.Parse("Random"));
        Assert.Null(MaskNames.Parse("lora"));
    }
}
