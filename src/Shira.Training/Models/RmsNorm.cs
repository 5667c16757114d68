using TorchSharp;
using TorchSharp.Utils;
using static TorchSharp.torch;

namespace Shira.Training.Models;

/// <summary>
/// Root-mean-square layer norm as Hugging Face LLaMA computes it: in f32, <c>x · rsqrt(mean(x²) + eps)</c>, cast back
/// to the input dtype, then scaled by <c>weight</c> (no bias, no mean subtraction).
/// </summary>
public sealed class RmsNorm : nn.Module<Tensor, Tensor>
{
    private readonly double _eps;
    [ComponentName(Name = "weight")] private readonly TorchSharp.Modules.Parameter _weight;

    /// <summary>A norm over the last dimension of width <paramref name="size"/>; the weight starts at ones.</summary>
    public RmsNorm(long size, double eps) : base(nameof(RmsNorm))
    {
        _eps = eps;
        _weight = new TorchSharp.Modules.Parameter(ones(size));
        RegisterComponents();
    }

    /// <summary>The per-channel scale (<c>*.weight</c>).</summary>
    public TorchSharp.Modules.Parameter Weight => _weight;

    /// <inheritdoc />
    public override Tensor forward(Tensor input)
    {
        using var scope = NewDisposeScope();
        var x = input.to_type(ScalarType.Float32);
        var variance = x.pow(2).mean([-1L], keepdim: true);
        var normed = (x * rsqrt(variance + _eps)).to_type(input.dtype);
        return (Weight * normed).MoveToOuterDisposeScope();
    }
}
