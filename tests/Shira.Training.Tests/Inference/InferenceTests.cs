using Shira.Training.Data;
using Shira.Training.Inference;
using Shira.Training.Models;
using static TorchSharp.torch;

namespace Shira.Training.Tests.Inference;

public sealed class InferenceTests
{
    private static readonly LlamaConfig Small = new()
    {
        VocabSize = 50, HiddenSize = 32, IntermediateSize = 48, NumHiddenLayers = 2, NumAttentionHeads = 4, NumKeyValueHeads = 2,
    };

    [Fact]
    public void Greedy_generation_is_what_exact_match_scores()
    {
        using var model = new LlamaForCausalLM(Small, seed: 3);
        int[] prompt = [1, 7, 9, 4];
        var generated = TextGenerator.Generate(model, prompt, new GenerationOptions { MaxNewTokens = 6 });
        Assert.Equal(6, generated.Length);
        var right = prompt.Concat(generated).ToArray();
        var wrong = (int[])right.Clone();
        wrong[^2] = (wrong[^2] + 1) % Small.VocabSize;
        var data = TokenDataset.FromTokenIds([(right, prompt.Length, true), (wrong, prompt.Length, true), (right, 1, false)], padId: 0);
        var result = ModelEvaluator.Evaluate(model, data, batchSize: 2);
        Assert.Equal(2, result.PromptCompletionExamples);
        Assert.Equal(1, result.ExactMatches);
        Assert.Equal(0.5, result.ExactMatch);
    }

    [Fact]
    public void Loss_is_the_token_weighted_mean_and_perplexity_its_exponential()
    {
        using var model = new LlamaForCausalLM(Small, seed: 4);
        int[] a = [1, 2, 3, 4, 5, 6], b = [7, 8, 9];
        var data = TokenDataset.FromTokenIds([(a, 2, true), (b, 1, false)], padId: 0);
        var result = ModelEvaluator.Evaluate(model, data, batchSize: 2);
        // Independent sum: -log softmax of each scored target, example by example, without padding.
        double sum = 0;
        int n = 0;
        using (no_grad())
        {
            foreach (var (ids, start) in new[] { (a, 2), (b, 1) })
            {
                using var scope = NewDisposeScope();
                var logp = nn.functional.log_softmax(model.call(tensor(ids.Select(i => (long)i).ToArray(), [1, ids.Length]))[0].to_type(ScalarType.Float64), 1);
                for (int p = start; p < ids.Length; p++, n++) sum -= logp[p - 1, ids[p]].item<double>();
            }
        }
        Assert.Equal(n, result.ScoredTokens);
        Assert.Equal(sum / n, result.Loss, 5);
        Assert.Equal(Math.Exp(sum / n), result.Perplexity, 4);
    }

    [Fact]
    public void Sampling_repeats_for_a_seed_and_stops_at_the_stop_token()
    {
        using var model = new LlamaForCausalLM(Small, seed: 5);
        var o1 = TextGenerator.Generate(model, [1, 2], new GenerationOptions { MaxNewTokens = 12, Temperature = 1.5, Seed = 9 });
        var o2 = TextGenerator.Generate(model, [1, 2], new GenerationOptions { MaxNewTokens = 12, Temperature = 1.5, Seed = 9 });
        var o3 = TextGenerator.Generate(model, [1, 2], new GenerationOptions { MaxNewTokens = 12, Temperature = 1.5, Seed = 10 });
        Assert.Equal(o1, o2);
        Assert.NotEqual(o1, o3);
        var greedy = TextGenerator.Generate(model, [1, 2], new GenerationOptions { MaxNewTokens = 5 });
        var stopped = TextGenerator.Generate(model, [1, 2], new GenerationOptions { MaxNewTokens = 5, StopId = greedy[1] });
        Assert.Equal(greedy[..2], stopped);
        Assert.Equal(2, TextGenerator.Generate(model, [1, 2, 3], new GenerationOptions { MaxNewTokens = 5, MaxSequenceLength = 5 }).Length);
    }
}
