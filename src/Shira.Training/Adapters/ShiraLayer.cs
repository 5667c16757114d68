using Shira.Training.Masks;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Shira.Training;

/// <summary>
/// SHiRA on one linear layer: the frozen base weight W [out, in], a fixed mask of nnz positions, and a trainable
/// 1-D <see cref="Values"/> parameter of length nnz (initialised to zero, so the model starts as the base). A
/// forward hook on the layer adds x·ΔWᵀ where ΔW is zero except ΔW[mask] = values; W itself is never written.
/// Hooks run when the model calls its layers with <c>call(x)</c> (PyTorch's <c>module(x)</c>), not <c>forward(x)</c>.
/// </summary>
public sealed class ShiraLayer : IDisposable
{
    private readonly Tensor _flatIndices;  // [nnz] int64 positions row·in + col
    private readonly Tensor _rowIndices;   // [nnz] int64, Gather mode
    private readonly Tensor _colIndices;   // [nnz] int64, Gather mode
    private readonly ShiraForwardMode _mode;
    private nn.HookableModule<Func<nn.Module<Tensor, Tensor>, Tensor, Tensor>,
        Func<nn.Module<Tensor, Tensor>, Tensor, Tensor, Tensor>>.HookRemover? _hook;

    internal ShiraLayer(string name, Linear module, SparseMask mask, ShiraForwardMode mode)
    {
        Name = name;
        Module = module;
        Mask = mask;
        _mode = mode;
        var weight = module.weight ?? throw new ArgumentException($"linear layer {name} has no weight", nameof(module));
        // The adapter outlives any dispose scope the caller attached it in.
        using (no_grad())
        {
            _flatIndices = tensor(mask.Indices, dtype: ScalarType.Int64, device: weight.device).DetachFromDisposeScope();
            _rowIndices = _flatIndices.div(mask.Cols, rounding_mode: RoundingMode.floor).DetachFromDisposeScope();
            _colIndices = _flatIndices.remainder(mask.Cols).DetachFromDisposeScope();
            var init = zeros(mask.Count, dtype: weight.dtype, device: weight.device).DetachFromDisposeScope();
            Values = (Parameter)new Parameter(init, requires_grad: true).DetachFromDisposeScope();
        }
        _hook = module.register_forward_hook((_, x, y) => y.add(DeltaOutput(x)));
    }

    /// <summary>Dotted module name, e.g. <c>model.layers.0.self_attn.q_proj</c>.</summary>
    public string Name { get; }

    /// <summary>The name of the adapted tensor in the base checkpoint: <see cref="Name"/> + <c>.weight</c>.</summary>
    public string TensorName => Name + ".weight";

    /// <summary>The adapted layer (its weight stays frozen and unchanged).</summary>
    public Linear Module { get; }

    /// <summary>The trainable positions.</summary>
    public SparseMask Mask { get; }

    /// <summary>The trainable values, one per mask position, in mask order.</summary>
    public Parameter Values { get; }

    /// <summary>True while the forward hook is attached.</summary>
    public bool IsAttached => _hook is not null;

    /// <summary>The delta x·ΔWᵀ for an input x [..., in] (differentiable in <see cref="Values"/>).</summary>
    public Tensor DeltaOutput(Tensor x)
    {
        ArgumentNullException.ThrowIfNull(x);
        if (_mode == ShiraForwardMode.Gather)
        {
            // Σ over mask entries k with row r: v_k · x[..., col_k]
            var picked = x.index_select(-1, _colIndices).mul(Values);
            var shape = x.shape.ToArray();
            shape[^1] = Mask.Rows;
            return zeros(shape, dtype: picked.dtype, device: picked.device).index_add(-1, _rowIndices, picked, 1);
        }
        return nn.functional.linear(x, DeltaWeight());
    }

    /// <summary>ΔW as a dense [out, in] tensor (differentiable in <see cref="Values"/>).</summary>
    public Tensor DeltaWeight()
    {
        var flat = zeros(Mask.Numel, dtype: Values.dtype, device: Values.device).scatter(0, _flatIndices, Values);
        return flat.view(Mask.Rows, Mask.Cols);
    }

    /// <summary>The trained values as f32, in mask order.</summary>
    public float[] GetValues()
    {
        using var scope = NewDisposeScope();
        return Values.detach().to(ScalarType.Float32).cpu().contiguous().data<float>().ToArray();
    }

    /// <summary>W + ΔW as row-major f32, computed exactly as a .shira with scale 1 is applied: W[i] + v.</summary>
    public float[] EffectiveWeight()
    {
        float[] w;
        using (var scope = NewDisposeScope())
            w = Module.weight!.detach().to(ScalarType.Float32).cpu().contiguous().data<float>().ToArray();
        var v = GetValues();
        var idx = Mask.Indices;
        for (int k = 0; k < idx.Length; k++) w[idx[k]] += v[k];
        return w;
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
        _flatIndices.Dispose();
        _rowIndices.Dispose();
        _colIndices.Dispose();
        Values.Dispose();
    }
}
