namespace Shira.Training.Inference;

/// <summary>The scores of a model on a dataset (<see cref="ModelEvaluator.Evaluate"/>).</summary>
/// <param name="Examples">Examples scored.</param>
/// <param name="ScoredTokens">Target tokens the loss averages over.</param>
/// <param name="Loss">Mean cross-entropy per scored token (nats).</param>
/// <param name="PromptCompletionExamples">Examples that are prompt/completion pairs.</param>
/// <param name="ExactMatches">Pairs whose completion greedy decoding reproduces exactly (then stops).</param>
public sealed record EvalResult(int Examples, long ScoredTokens, double Loss, int PromptCompletionExamples, int ExactMatches)
{
    /// <summary>exp(<see cref="Loss"/>).</summary>
    public double Perplexity => Math.Exp(Loss);

    /// <summary>Fraction of pairs matched exactly; NaN when the data has no pair.</summary>
    public double ExactMatch => PromptCompletionExamples > 0 ? (double)ExactMatches / PromptCompletionExamples : double.NaN;
}
