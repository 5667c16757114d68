namespace Shira.Runtime;

/// <summary>Progress of a long runtime operation.</summary>
/// <param name="Stage">What is being done (e.g. <c>merge</c>, <c>fuse</c>).</param>
/// <param name="Done">Units done.</param>
/// <param name="Total">Units in total.</param>
/// <param name="Item">The tensor being processed, if any.</param>
public readonly record struct RuntimeProgress(string Stage, long Done, long Total, string? Item);
