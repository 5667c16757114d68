using static TorchSharp.torch;

namespace Shira.Training.Models;

/// <summary>
/// Rotary position embeddings in Hugging Face LLaMA's convention: frequencies
/// <c>θ^(−2i/d)</c> computed in f32, the angle table duplicated (<c>cat(freqs, freqs)</c>), and the pair rotation
/// done by <c>rotate_half</c> (first half paired with second half, not interleaved).
/// </summary>
public static class RotaryEmbedding
{
    /// <summary>The cos and sin tables, each [T, headDim], for positions 0..T−1.</summary>
    public static (Tensor Cos, Tensor Sin) Tables(long length, int headDim, double theta, ScalarType dtype = ScalarType.Float32)
    {
        using var scope = NewDisposeScope();
        var invFreq = 1.0f / pow(theta, arange(0, headDim, 2, ScalarType.Int64).to_type(ScalarType.Float32) / headDim);
        var positions = arange(length, ScalarType.Int64).to_type(ScalarType.Float32);
        var freqs = outer(positions, invFreq);
        var emb = cat([freqs, freqs], -1);
        return (emb.cos().to_type(dtype).MoveToOuterDisposeScope(), emb.sin().to_type(dtype).MoveToOuterDisposeScope());
    }

    /// <summary><c>cat(−x₂, x₁)</c> over the last dimension, where x₁, x₂ are its halves.</summary>
    public static Tensor RotateHalf(Tensor x)
    {
        using var scope = NewDisposeScope();
        long half = x.shape[^1] / 2;
        var x1 = x.narrow(-1, 0, half);
        var x2 = x.narrow(-1, half, half);
        return cat([-x2, x1], -1).MoveToOuterDisposeScope();
    }

    /// <summary>Rotates <paramref name="x"/> [B, heads, T, headDim] by the tables from <see cref="Tables"/>.</summary>
    public static Tensor Apply(Tensor x, Tensor cos, Tensor sin)
    {
        using var scope = NewDisposeScope();
        return (x * cos + RotateHalf(x) * sin).MoveToOuterDisposeScope();
    }
}
