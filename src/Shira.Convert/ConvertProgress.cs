namespace Shira.Convert;

/// <summary>Progress of a long conversion: one step per target tensor.</summary>
/// <param name="Done">Tensors finished.</param>
/// <param name="Total">Tensors planned.</param>
/// <param name="Current">The tensor just finished.</param>
public readonly record struct ConvertProgress(int Done, int Total, string Current);
