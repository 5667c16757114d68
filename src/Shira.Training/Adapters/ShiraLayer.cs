using Shira.Training.Masks;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Shira.Training;

/// <summary>
/// SHiRA on one linear layer: the frozen base weight W [out, in], a fixed mask of nnz positions, and a trainable
/// 1-D <see cref="Values"/> parameter of length nnz (initialised to zero, so the model starts as the base). ΔW is zero
/// except ΔW[mask] = values. With <see cref="ShiraForwardMode.Merged"/> (the default) the layer's weight holds
/// W + ΔW while attached (rewritten at the mask positions on every forward, O(nnz), so it reflects the values of the
/// last forward pass; <see cref="EffectiveWeight"/> is always current) and the layer computes one
/// matmul with it; the exact base values at the mask are kept and written back by <see cref="Remove"/>. The other
/// modes leave W untouched and add x·ΔWᵀ in a forward hook. Hooks run when the model calls its layers with
/// <c>call(x)</c> (PyTorch's <c>module(x)</c>), not <c>forward(x)</c>.
/// </summary>
public sealed class ShiraLayer : IAdaptedLayer
{
    private readonly Tensor _flatIndices;  // [nnz] int64 positions row·in + col
    private readonly Tensor? _rowIndices;  // [nnz] int64, Gather mode only
    private readonly Tensor? _colIndices;  // [nnz] int64, Gather mode only
    private readonly ShiraForwardMode _mode;
    private readonly Tensor? _baseAtMask;  // [nnz] Merged: the base's own values at the mask, restored by Remove
    private readonly Tensor? _noInput;     // [0, in] Merged: what the layer's own forward gets (a free matmul)
    private Tensor? _pendingInput;         // Merged: the real input, from the pre-hook to the hook
    private nn.HookableModule<Func<nn.Module<Tensor, Tensor>, Tensor, Tensor>,
        Func<nn.Module<Tensor, Tensor>, Tensor, Tensor, Tensor>>.HookRemover? _hook;
    private nn.HookableModule<Func<nn.Module<Tensor, Tensor>, Tensor, Tensor>,
        Func<nn.Module<Tensor, Tensor>, Tensor, Tensor, Tensor>>.HookRemover? _preHook;

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
            if (mode == ShiraForwardMode.Gather)
            {
                _rowIndices = _flatIndices.div(mask.Cols, rounding_mode: RoundingMode.floor).DetachFromDisposeScope();
                _colIndices = _flatIndices.remainder(mask.Cols).DetachFromDisposeScope();
            }
            var init = zeros(mask.Count, dtype: weight.dtype, device: weight.device).DetachFromDisposeScope();
            Values = (Parameter)new Parameter(init, requires_grad: true).DetachFromDisposeScope();
            if (mode == ShiraForwardMode.Merged)
            {
                _baseAtMask = weight.detach().view(-1).index_select(0, _flatIndices).clone().DetachFromDisposeScope();
                _noInput = empty(0, mask.Cols, dtype: weight.dtype, device: weight.device).DetachFromDisposeScope();
            }
        }
        // Merged mode's backward walks the entries by (row, column); int32 keeps them at 8 bytes per entry.
        RowIndices = mode == ShiraForwardMode.Merged ? new int[mask.Count] : [];
        ColIndices = mode == ShiraForwardMode.Merged ? new int[mask.Count] : [];
        for (long k = 0; k < RowIndices.Length; k++)
        {
            RowIndices[k] = checked((int)(mask.Indices[k] / mask.Cols));
            ColIndices[k] = checked((int)(mask.Indices[k] % mask.Cols));
        }
        if (mode == ShiraForwardMode.Merged)
        {
            // The layer's own forward runs on an empty batch (free); the hook computes the real output in one
            // matmul with the merged weight through MergedLinearFunction.
            _preHook = module.register_forward_pre_hook((_, x) =>
            {
                _pendingInput = x;
                return _noInput!;
            });
            _hook = module.register_forward_hook((_, _, _) =>
            {
                var x = _pendingInput ?? throw new InvalidOperationException($"{Name}: forward hook without its input");
                _pendingInput = null;
                return MergedForward(x);
            });
        }
        else
        {
            _hook = module.register_forward_hook((_, x, y) => y.add(DeltaOutput(x)));
        }
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

    /// <summary>How the layer computes (see <see cref="ShiraForwardMode"/>).</summary>
    public ShiraForwardMode ForwardMode => _mode;

    /// <summary>Row of each mask entry (flat index / in).</summary>
    internal int[] RowIndices { get; }

    /// <summary>Column of each mask entry (flat index mod in).</summary>
    internal int[] ColIndices { get; }

    /// <summary>Merged mode: writes W[mask] = base[mask] + values into the layer's weight (rounded once to the
    /// weight's dtype, as applying the saved file does), then computes linear(x, W + ΔW, b) — through the sparse
    /// autograd function when gradients are recorded.</summary>
    internal Tensor MergedForward(Tensor x)
    {
        SyncMergedWeight();
        var weight = Module.weight!;
        if (!is_grad_enabled() || !Values.requires_grad) return nn.functional.linear(x, weight, Module.bias);
        return MergedLinearFunction.apply(x, Values, this);
    }

    /// <summary>Merged mode: W[mask] = base[mask] + values (f32 sum, one rounding to the weight's dtype).</summary>
    internal void SyncMergedWeight()
    {
        using var noGrad = no_grad();
        using var scope = NewDisposeScope();
        var weight = Module.weight!;
        var merged = _baseAtMask!.to(ScalarType.Float32).add(Values.detach().to(ScalarType.Float32)).to(weight.dtype);
        weight.view(-1).index_copy_(0, _flatIndices, merged);
    }

    /// <summary>Merged mode: writes the exact base values back at the mask positions.</summary>
    private void RestoreBaseWeight()
    {
        using var noGrad = no_grad();
        Module.weight!.view(-1).index_copy_(0, _flatIndices, _baseAtMask!);
    }

    /// <summary>Runs <paramref name="read"/> while the layer's weight holds the base values (in merged mode it
    /// otherwise holds W + ΔW), e.g. to fingerprint the base.</summary>
    internal T WithBaseWeight<T>(Func<Tensor, T> read)
    {
        ArgumentNullException.ThrowIfNull(read);
        if (_mode != ShiraForwardMode.Merged || !IsAttached) return read(Module.weight!);
        RestoreBaseWeight();
        try
        {
            return read(Module.weight!);
        }
        finally
        {
            SyncMergedWeight();
        }
    }

    /// <summary>The delta x·ΔWᵀ for an input x [..., in] (differentiable in <see cref="Values"/>).</summary>
    public Tensor DeltaOutput(Tensor x)
    {
        ArgumentNullException.ThrowIfNull(x);
        if (_mode == ShiraForwardMode.Gather)
        {
            // Σ over mask entries k with row r: v_k · x[..., col_k]
            var picked = x.index_select(-1, _colIndices!).mul(Values);
            var shape = x.shape.ToArray();
            shape[^1] = Mask.Rows;
            return zeros(shape, dtype: picked.dtype, device: picked.device).index_add(-1, _rowIndices!, picked, 1);
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
            w = WithBaseWeight(weight => weight.detach().to(ScalarType.Float32).cpu().contiguous().data<float>().ToArray());
        var v = GetValues();
        var idx = Mask.Indices;
        for (int k = 0; k < idx.Length; k++) w[idx[k]] += v[k];
        return w;
    }

    /// <summary>Removes the hooks (idempotent); in merged mode the layer's weight gets its exact base values back.</summary>
    public void Remove()
    {
        if (_hook is not null && _mode == ShiraForwardMode.Merged) RestoreBaseWeight();
        _preHook?.remove();
        _preHook = null;
        _hook?.remove();
        _hook = null;
        _pendingInput = null;
    }

    /// <inheritdoc />
    public void Dispose()
    {
        Remove();
        _flatIndices.Dispose();
        _rowIndices?.Dispose();
        _colIndices?.Dispose();
        _baseAtMask?.Dispose();
        _noInput?.Dispose();
        Values.Dispose();
    }
}
