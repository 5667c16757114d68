namespace Shira.Training.Data;

/// <summary>What <see cref="TokenDataset.FromData"/> made of a data file.</summary>
public sealed record DataLoadReport
{
    /// <summary>The file.</summary>
    public required string Path { get; init; }
    /// <summary>JSONL or plain text.</summary>
    public required DataFileFormat Format { get; init; }
    /// <summary>The tokenizer's <see cref="Tokenization.TextTokenizer.Kind"/>.</summary>
    public required string Tokenizer { get; init; }
    /// <summary>Examples in the file.</summary>
    public required int Records { get; init; }
    /// <summary>Examples kept in the dataset.</summary>
    public required int Examples { get; init; }
    /// <summary>Kept prompt/completion examples (loss on the completion only).</summary>
    public required int PromptCompletion { get; init; }
    /// <summary>Token limit per example (BOS, EOS and separators included).</summary>
    public required int MaxTokens { get; init; }
    /// <summary>Examples longer than <see cref="MaxTokens"/>.</summary>
    public required int OverLong { get; init; }
    /// <summary>Line numbers of the first over-long examples (at most 10).</summary>
    public required IReadOnlyList<int> OverLongLines { get; init; }
    /// <summary>What was done with them.</summary>
    public required OverLongPolicy OverLongPolicy { get; init; }
    /// <summary>Tokens in the kept examples.</summary>
    public required long Tokens { get; init; }
    /// <summary>Tokens the loss is computed on.</summary>
    public required long ScoredTokens { get; init; }

    /// <summary>One line for a console: counts and what happened to over-long examples.</summary>
    public string Summary()
    {
        var s = FormattableString.Invariant(
            $"{System.IO.Path.GetFileName(Path)}: {Examples} examples ({PromptCompletion} prompt/completion), {Tokens} tokens ({ScoredTokens} scored), tokenizer {Tokenizer}");
        if (OverLong > 0)
        {
            string action = OverLongPolicy == OverLongPolicy.Truncate ? "truncated" : "skipped";
            s += FormattableString.Invariant(
                $"; {OverLong} over {MaxTokens} tokens {action} (lines {string.Join(", ", OverLongLines)}{(OverLong > OverLongLines.Count ? ", …" : "")})");
        }
        return s;
    }
}
