namespace Shira.Runtime;

/// <summary>The result of <see cref="AdapterFusion.Fuse"/>.</summary>
/// <param name="OutputPath">The fused adapter.</param>
/// <param name="Inputs">Inputs in argument order.</param>
/// <param name="Pairs">Every pair (A &lt; B).</param>
/// <param name="Tensors">Tensors in the output.</param>
/// <param name="Positions">Positions in the output (the union of supports).</param>
public sealed record FuseReport(string OutputPath, IReadOnlyList<FuseInput> Inputs, IReadOnlyList<FusePair> Pairs,
    int Tensors, long Positions);
