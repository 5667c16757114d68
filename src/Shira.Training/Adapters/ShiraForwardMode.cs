namespace Shira.Training;

/// <summary>How a SHiRA adapter computes its contribution in the forward pass. All give the same function (up to
/// float rounding); they differ in cost and in what autograd keeps for the backward pass.</summary>
public enum ShiraForwardMode
{
    /// <summary>y = x·Wᵀ + x·ΔWᵀ with ΔW scattered densely from the values each step: one transient dense
    /// [out, in] tensor per adapted layer (kept until backward), no per-token cost. Best when tokens × density
    /// is large (the usual training case).</summary>
    DenseDelta = 0,
    /// <summary>y = x·Wᵀ + index_add(x[..., cols] · v): keeps tokens × nnz activations, no dense tensor. Best for
    /// large layers with few tokens.</summary>
    Gather = 1,
    /// <summary>y = x·(W + ΔW)ᵀ in one matmul: the layer's weight holds W + ΔW while the adapter is attached
    /// (the exact base values at the mask are restored by <c>Remove</c>), and a custom autograd function computes
    /// the values' gradient at the mask positions only (tokens × nnz multiply-adds, no dense [out, in] gradient).
    /// The default: it trains like a partial fine-tune, at LoRA's speed.</summary>
    Merged = 2,
}
