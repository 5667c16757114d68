using Shira.Training.Data;
using Shira.Training.Models;
using static TorchSharp.torch;

namespace Shira.Training.Jobs;

/// <summary>
/// Scores a model on a dataset without generating: with the true prefix fed in (teacher forcing), an example is
/// correct when the argmax at every answer position equals the answer token. That is exactly the condition for
/// greedy decoding to produce the answer and stop, so it equals greedy exact match at the cost of one forward pass.
/// </summary>
public static class TaskEvaluator
{
    /// <summary>Scores every example of <paramref name="data"/> in batches of <paramref name="batchSize"/>.</summary>
    public static TaskScore Evaluate(LlamaForCausalLM model, TokenDataset data, int batchSize = 64)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(data);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(batchSize);
        bool wasTraining = model.training;
        model.eval();
        double lossSum = 0;
        long scored = 0;
        int correct = 0;
        try
        {
            using var noGrad = no_grad();
            var indices = new int[batchSize];
            for (int start = 0; start < data.Count; start += batchSize)
            {
                int n = Math.Min(batchSize, data.Count - start);
                for (int i = 0; i < n; i++) indices[i] = start + i;
                var batch = data.GetBatch(indices.AsSpan(0, n));
                using var scope = NewDisposeScope();
                var inputs = batch.InputTensor();
                var targets = batch.TargetTensor();
                var logits = model.call(inputs);
                var flat = logits.view(-1, logits.shape[^1]);
                lossSum += nn.functional.cross_entropy(flat, targets.view(-1), ignore_index: TokenDataset.IgnoreIndex,
                    reduction: nn.Reduction.Sum).item<float>();
                scored += batch.ScoredTokens;
                var scoredMask = targets.ne(TokenDataset.IgnoreIndex);
                var wrong = logits.argmax(-1).ne(targets).logical_and(scoredMask).any(1);
                var wrongRows = wrong.data<bool>().ToArray();
                foreach (var w in wrongRows) if (!w) correct++;
            }
        }
        finally
        {
            model.train(wasTraining);
        }
        return new TaskScore(scored > 0 ? lossSum / scored : double.NaN, data.Count > 0 ? (double)correct / data.Count : double.NaN, data.Count);
    }
}
