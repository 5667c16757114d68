namespace Shira.Format.Container;

/// <summary>One problem found by <see cref="ShiraReader.Validate"/>.</summary>
public sealed record ValidationIssue(ShiraErrorCode Code, string Message, string? Tensor, long? Offset)
{
    /// <summary>The issue an error describes (its message made by the code's factory in <see cref="ShiraErrors"/>).</summary>
    internal static ValidationIssue From(ShiraException e) => new(e.Code, e.Message, e.Tensor, e.Offset);
}

/// <summary>The result of a full validation.</summary>
public sealed record ValidationReport(string File, IReadOnlyList<ValidationIssue> Issues)
{
    /// <summary>True when no issue was found.</summary>
    public bool IsValid => Issues.Count == 0;
}
