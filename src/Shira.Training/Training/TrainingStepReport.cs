namespace Shira.Training;

/// <summary>One optimizer step.</summary>
/// <param name="Step">Step number, from 1.</param>
/// <param name="Loss">The batch loss before the update.</param>
/// <param name="Tokens">Tokens in the batch.</param>
/// <param name="Seconds">Wall time of forward, backward and update.</param>
/// <param name="TokensPerSecond">Tokens / Seconds.</param>
/// <param name="PeakRssBytes">Process peak resident set size so far (VmHWM), or 0 where unavailable.</param>
public sealed record TrainingStepReport(int Step, double Loss, long Tokens, double Seconds, double TokensPerSecond, long PeakRssBytes);
