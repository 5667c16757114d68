namespace Shira.Convert.Selection;

/// <summary>How a dense delta is cut down to a sparse SHiRA adapter.</summary>
public enum SparsifyMode
{
    /// <summary>Keep the largest |delta| entries up to a fraction of each tensor's elements.</summary>
    Density,
    /// <summary>Keep r·(in+out) entries per LoRA module: the same parameter count as the LoRA (the paper's rule).</summary>
    LoraBudget,
    /// <summary>Keep the fewest largest entries whose squared sum reaches a fraction of the module's energy.</summary>
    Energy,
}
