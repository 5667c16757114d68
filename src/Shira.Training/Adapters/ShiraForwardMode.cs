namespace Shira.Training;

/// <summary>How a SHiRA adapter computes its contribution in the forward pass. Both give the same function;
/// they differ in what autograd keeps for the backward pass.</summary>
public enum ShiraForwardMode
{
    /// <summary>y = x·Wᵀ + x·ΔWᵀ with ΔW scattered densely from the values each step: one transient dense
    /// [out, in] tensor per adapted layer (kept until backward), no per-token cost. Best when tokens × density
    /// is large (the usual training case).</summary>
    DenseDelta = 0,
    /// <summary>y = x·Wᵀ + index_add(x[..., cols] · v): keeps tokens × nnz activations, no dense tensor. Best for
    /// large layers with few tokens.</summary>
    Gather = 1,
}
