using Shira.Format;
using static TorchSharp.torch;

namespace Shira.Training.Masks;

/// <summary>Scores for the top-K strategies, as row-major f32 arrays for <see cref="MaskSelector.TopK"/>.</summary>
public static class MaskScores
{
    /// <summary>SHiRA-WM: |W|.</summary>
    public static float[] WeightMagnitude(Tensor weight)
    {
        ArgumentNullException.ThrowIfNull(weight);
        using var scope = NewDisposeScope();
        return weight.detach().abs().to(ScalarType.Float32).cpu().contiguous().data<float>().ToArray();
    }

    /// <summary>SHiRA-SNIP: |W| · Σ|grad| (the connection sensitivity |W ⊙ ∂L/∂W| summed over the calibration
    /// batches), from the accumulated absolute gradient <paramref name="accumulatedAbsGrad"/>.</summary>
    public static float[] Snip(Tensor weight, ReadOnlySpan<float> accumulatedAbsGrad)
    {
        var w = WeightMagnitude(weight);
        if (w.Length != accumulatedAbsGrad.Length)
            throw new ArgumentException($"{accumulatedAbsGrad.Length} gradient entries for {w.Length} weights", nameof(accumulatedAbsGrad));
        for (int i = 0; i < w.Length; i++) w[i] *= accumulatedAbsGrad[i];
        return w;
    }
}
