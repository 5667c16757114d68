using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Shira.Training;

/// <summary>
/// LoRA on one linear layer: trainable A [r, in] and B [out, r]; a forward hook adds
/// (alpha / r) · x·Aᵀ·Bᵀ to the frozen layer's output. Like <see cref="ShiraLayer"/>, the hook runs when the model
/// calls the layer with <c>call(x)</c>.
/// </summary>
public sealed class LoraLayer : IAdaptedLayer
{
    private readonly double _dropout;
    private nn.HookableModule<Func<nn.Module<Tensor, Tensor>, Tensor, Tensor>,
        Func<nn.Module<Tensor, Tensor>, Tensor, Tensor, Tensor>>.HookRemover? _hook;

    internal LoraLayer(string name, Linear module, int rank, double scaling, double dropout, ulong seed)
    {
        Name = name;
        Module = module;
        Rank = rank;
        Scaling = scaling;
        _dropout = dropout;
        var weight = module.weight!;
        long inF = module.in_features, outF = module.out_features;
        // PEFT: kaiming_uniform_(A, a=√5) = U(−1/√in, 1/√in); drawn here so it does not depend on torch's RNG.
        var a = new float[checked(rank * (int)inF)];
        ulong state = seed;
        float bound = (float)(1.0 / Math.Sqrt(inF));
        for (int i = 0; i < a.Length; i++)
            a[i] = (float)((NextDouble(ref state) * 2 - 1) * bound);
        using (no_grad())
        {
            // The adapter outlives any dispose scope the caller attached it in.
            var a0 = tensor(a, [rank, inF]).to(weight.dtype, weight.device).DetachFromDisposeScope();
            var b0 = zeros(outF, rank, dtype: weight.dtype, device: weight.device).DetachFromDisposeScope();
            A = (Parameter)new Parameter(a0, requires_grad: true).DetachFromDisposeScope();
            B = (Parameter)new Parameter(b0, requires_grad: true).DetachFromDisposeScope();
        }
        _hook = module.register_forward_hook((m, x, y) => y.add(DeltaOutput(x, m.training)));
    }

    /// <summary>Dotted module name.</summary>
    public string Name { get; }

    /// <summary>The adapted layer (frozen).</summary>
    public Linear Module { get; }

    /// <summary>Rank r.</summary>
    public int Rank { get; }

    /// <summary>alpha / r.</summary>
    public double Scaling { get; }

    /// <summary>lora_A.weight [r, in].</summary>
    public Parameter A { get; }

    /// <summary>lora_B.weight [out, r].</summary>
    public Parameter B { get; }

    /// <summary>(alpha / r) · dropout(x)·Aᵀ·Bᵀ.</summary>
    public Tensor DeltaOutput(Tensor x, bool training)
    {
        ArgumentNullException.ThrowIfNull(x);
        var input = _dropout > 0 && training ? nn.functional.dropout(x, _dropout, true) : x;
        return nn.functional.linear(nn.functional.linear(input, A), B).mul(Scaling);
    }

    /// <summary>The dense update (alpha / r) · B·A [out, in], as PEFT merges it.</summary>
    public Tensor DeltaWeight() => B.matmul(A).mul(Scaling);

    /// <summary>W + (alpha / r)·B·A as row-major f32.</summary>
    public float[] EffectiveWeight()
    {
        using var scope = NewDisposeScope();
        using var _ = no_grad();
        return Module.weight!.detach().add(DeltaWeight()).to(ScalarType.Float32).cpu().contiguous().data<float>().ToArray();
    }

    /// <summary>Removes the forward hook (idempotent).</summary>
    public void Remove()
    {
        _hook?.remove();
        _hook = null;
    }

    /// <inheritdoc />
    public void Dispose()
    {
        Remove();
        A.Dispose();
        B.Dispose();
    }

    private static double NextDouble(ref ulong state)
    {
        ulong z = state += 0x9E3779B97F4A7C15UL;
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        z ^= z >> 31;
        return (z >> 11) * (1.0 / (1UL << 53));
    }
}
