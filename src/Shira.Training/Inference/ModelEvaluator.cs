using Shira.Training.Data;
using Shira.Training.Models;
using static TorchSharp.torch;

namespace Shira.Training.Inference;

/// <summary>
/// Loss, perplexity and exact match of a model on a tokenized dataset. Exact match is computed with teacher
/// forcing: a completion counts when the argmax at every completion position (its EOS included) is the target,
/// which is exactly when greedy decoding from the prompt reproduces the completion and stops — one forward pass
/// instead of a generation loop.
/// </summary>
public static class ModelEvaluator
{
    /// <summary>Scores every example of <paramref name="data"/>, <paramref name="batchSize"/> at a time.</summary>
    public static EvalResult Evaluate(LlamaForCausalLM model, TokenDataset data, int batchSize = 16)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(data);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(batchSize);
        bool wasTraining = model.training;
        model.eval();
        double lossSum = 0;
        long scored = 0;
        int pairs = 0, matches = 0;
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
                lossSum += nn.functional.cross_entropy(logits.view(-1, logits.shape[^1]), targets.view(-1),
                    ignore_index: TokenDataset.IgnoreIndex, reduction: nn.Reduction.Sum).to_type(ScalarType.Float64).item<double>();
                scored += batch.ScoredTokens;
                var wrong = logits.argmax(-1).ne(targets).logical_and(targets.ne(TokenDataset.IgnoreIndex)).any(1);
                var wrongRows = wrong.data<bool>().ToArray();
                for (int i = 0; i < n; i++)
                {
                    if (!data.IsPromptCompletion(start + i)) continue;
                    pairs++;
                    if (!wrongRows[i]) matches++;
                }
            }
        }
        finally
        {
            model.train(wasTraining);
        }
        return new EvalResult(data.Count, scored, scored > 0 ? lossSum / scored : double.NaN, pairs, matches);
    }
}
