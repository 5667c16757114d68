namespace Shira.Training.Data;

/// <summary>One supervised example: the model reads <see cref="Prompt"/> and must produce <see cref="Answer"/>.</summary>
/// <param name="Prompt">The input text (including the task tag).</param>
/// <param name="Answer">The expected output; accuracy is exact match of this span.</param>
public sealed record TaskExample(string Prompt, string Answer);
