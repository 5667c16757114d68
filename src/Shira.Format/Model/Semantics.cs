namespace Shira.Format;

/// <summary>What a tensor entry's values mean for the base weights at its indices.</summary>
public enum Semantics
{
    /// <summary>W[i] = W[i] + scale · v (what PEFT stores and merges).</summary>
    Add = 1,
    /// <summary>W[i] = v (the paper's overwrite form; <c>scale</c> is ignored and must be 1).</summary>
    Replace = 2,
}
