namespace Shira.Training.Jobs;

/// <summary>Loss and exact-match accuracy of a model on held-out examples.</summary>
/// <param name="Loss">Mean cross-entropy per scored token (the answer span and its EOS).</param>
/// <param name="Accuracy">Fraction of examples whose whole answer span (with EOS) is predicted exactly.</param>
/// <param name="Examples">Examples scored.</param>
public sealed record TaskScore(double Loss, double Accuracy, int Examples);
