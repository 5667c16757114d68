using static TorchSharp.torch;

namespace Shira.Training;

/// <summary>What the caller's step function returns: the scalar loss of the step's batch (still attached to the
/// graph) and how many tokens it covered (for tokens per second; 0 when not meaningful).</summary>
/// <param name="Loss">Scalar loss tensor.</param>
/// <param name="Tokens">Tokens (or examples) in the batch.</param>
public readonly record struct StepLoss(Tensor Loss, long Tokens);
