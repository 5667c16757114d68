namespace Shira.Training.Jobs;

/// <summary>A progress event of <see cref="TrainRunner.Run"/>.</summary>
/// <param name="Phase"><c>pretrain</c> (tiny base) or <c>train</c> (the adapter).</param>
/// <param name="Step">Step just finished, from 1.</param>
/// <param name="Steps">Steps in the phase.</param>
/// <param name="Loss">That step's loss.</param>
/// <param name="TokensPerSecond">Throughput of the step (0 when not measured).</param>
public sealed record TrainProgress(string Phase, int Step, int Steps, double Loss, double TokensPerSecond);
