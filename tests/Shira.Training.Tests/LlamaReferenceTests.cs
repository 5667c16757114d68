using Shira.Training.Models;
using static TorchSharp.torch;

namespace Shira.Training.Tests;

/// <summary>RMSNorm and rotary embeddings against hand-computed references.</summary>
public sealed class LlamaReferenceTests
{
    [Fact]
    public void RmsNorm_matches_the_formula()
    {
        using var norm = new RmsNorm(2, eps: 1e-6);
        using (no_grad()) norm.Weight.copy_(tensor(new[] { 2f, 0.5f }));
        using var x = tensor(new[] { 3f, 4f, -1f, 0f }, [2, 2]);
        using var y = norm.call(x);
        // Row 1: rms = sqrt((9+16)/2 + eps); row 2: rms = sqrt(1/2 + eps).
        double r1 = Math.Sqrt(12.5 + 1e-6), r2 = Math.Sqrt(0.5 + 1e-6);
        double[] expected = [2 * 3 / r1, 0.5 * 4 / r1, 2 * -1 / r2, 0];
        var actual = y.data<float>().ToArray();
        for (int i = 0; i < 4; i++) Assert.Equal(expected[i], actual[i], 5);
    }

    [Fact]
    public void Rope_rotates_first_half_with_second_half()
    {
        const int d = 4;
        const double theta = 10000;
        var (cos, sin) = RotaryEmbedding.Tables(3, d, theta);
        using var c = cos;
        using var s = sin;
        float[] v = [0.3f, -1.2f, 0.7f, 2.0f];
        using var x = tensor(v.Concat(v).Concat(v).ToArray(), [1, 1, 3, d]);
        using var y = RotaryEmbedding.Apply(x, c, s);
        var actual = y.data<float>().ToArray();
        for (int p = 0; p < 3; p++)
        {
            // Pair (i, i + d/2) rotated by angle p · theta^(-2i/d).
            for (int i = 0; i < d / 2; i++)
            {
                double angle = p * Math.Pow(theta, -2.0 * i / d);
                double a = v[i], b = v[i + d / 2];
                Assert.Equal(a * Math.Cos(angle) - b * Math.Sin(angle), actual[p * d + i], 5);
                Assert.Equal(b * Math.Cos(angle) + a * Math.Sin(angle), actual[p * d + i + d / 2], 5);
            }
        }
    }

    [Fact]
    public void Rope_scores_depend_only_on_relative_position()
    {
        const int d = 8;
        var (cos, sin) = RotaryEmbedding.Tables(12, d, 500);
        using var scope = NewDisposeScope();
        var q = randn(1, 1, 1, d, generator: new Generator(1)).expand(1, 1, 12, d);
        var k = randn(1, 1, 1, d, generator: new Generator(2)).expand(1, 1, 12, d);
        var rq = RotaryEmbedding.Apply(q, cos, sin).squeeze();
        var rk = RotaryEmbedding.Apply(k, cos, sin).squeeze();
        // <R(m)q, R(n)k> for (m, n) = (5, 2), (9, 6), (3, 0): all offset 3.
        float Dot(int m, int n) => (rq[m] * rk[n]).sum().item<float>();
        Assert.Equal(Dot(5, 2), Dot(9, 6), 4);
        Assert.Equal(Dot(5, 2), Dot(3, 0), 4);
        Assert.NotEqual(Dot(5, 2), Dot(5, 3), 3);
    }
}
