namespace Shira.Format.Container;

/// <summary>One problem found by <see cref="ShiraReader.Validate"/>.</summary>
public sealed record ValidationIssue(ShiraErrorCode Code, string Message, string? Tensor, long? Offset);

/// <summary>The result of a full validation.</summary>
public sealed record ValidationReport(string File, IReadOnlyList<ValidationIssue> Issues)
{
    /// <summary>True when no issue was found.</summary>
    public bool IsValid => Issues.Count == 0;
}
