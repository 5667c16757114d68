using Shira.Format;

namespace Shira.Training.Masks;

/// <summary>
/// The short names of the SHiRA mask strategies that <c>shira-train train --mask</c> and the experiments take:
/// <c>random</c>, <c>structured</c>, <c>weight</c> (magnitude), <c>grad</c> (gradient) and <c>snip</c>.
/// </summary>
public static class MaskNames
{
    /// <summary>Every name, in the order the help lists them.</summary>
    public static IReadOnlyList<string> All { get; } = ["random", "structured", "weight", "grad", "snip"];

    /// <summary>The strategy called <paramref name="name"/> (case-sensitive), or null for any other name.</summary>
    public static MaskStrategy? Parse(string name) => name switch
    {
        "random" => MaskStrategy.Random,
        "structured" => MaskStrategy.Structured,
        "weight" => MaskStrategy.WeightMagnitude,
        "grad" => MaskStrategy.Gradient,
        "snip" => MaskStrategy.Snip,
        _ => null,
    };
}
