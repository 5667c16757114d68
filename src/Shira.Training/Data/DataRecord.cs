namespace Shira.Training.Data;

/// <summary>One example of a data file: a plain text (every token scored) or a prompt/completion pair (only the
/// completion scored).</summary>
/// <param name="Line">1-based line number in the file.</param>
/// <param name="Prompt">The prompt, or null for a plain text.</param>
/// <param name="Text">The completion (prompt/completion) or the whole text.</param>
public sealed record DataRecord(int Line, string? Prompt, string Text)
{
    /// <summary>True for a prompt/completion pair.</summary>
    public bool IsPromptCompletion => Prompt is not null;
}
