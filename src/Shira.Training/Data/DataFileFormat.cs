namespace Shira.Training.Data;

/// <summary>How a data file is read (<see cref="DataFile.Read"/>).</summary>
public enum DataFileFormat
{
    /// <summary>Decide from the content: JSONL when the first non-blank line starts with <c>{</c> (or the name ends
    /// in <c>.jsonl</c>), else plain text.</summary>
    Auto = 0,
    /// <summary>One JSON object per line: <c>{"text": …}</c> or <c>{"prompt": …, "completion": …}</c>.</summary>
    JsonLines = 1,
    /// <summary>One example per non-blank line; <c>prompt&lt;TAB&gt;completion</c> lines are pairs.</summary>
    PlainText = 2,
}
