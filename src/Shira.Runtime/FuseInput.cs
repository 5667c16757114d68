namespace Shira.Runtime;

/// <summary>One fused input.</summary>
/// <param name="Path">Adapter file.</param>
/// <param name="Weight">Its fusion weight.</param>
/// <param name="Positions">Positions it changes (summed over tensors).</param>
/// <param name="Energy">Σ d² of its own deltas d = entry scale · v (weight not applied).</param>
/// <param name="SharedEnergyShare">Share of <see cref="Energy"/> on positions that another input also changes
/// (the interference the SHiRA paper links to concept loss); 0 when Energy is 0.</param>
public sealed record FuseInput(string Path, float Weight, long Positions, double Energy, double SharedEnergyShare);
