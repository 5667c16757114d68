namespace Shira.Convert;

/// <summary>Something the user should act on, found while converting (one line of text plus the figures behind
/// it, so a command can print the line and a JSON report can carry the figures).</summary>
/// <param name="Kind">A stable identifier: <see cref="LossyBudget"/>, <see cref="UncheckedBaseCopy"/>.</param>
/// <param name="Message">One line for a person.</param>
/// <param name="Tensor">The tensor it is about, if one.</param>
/// <param name="Figures">Named numbers behind the message (e.g. <c>relative_error</c>, <c>energy_0.9_entries</c>).</param>
public sealed record ConversionWarning(string Kind, string Message, string? Tensor, IReadOnlyDictionary<string, double> Figures)
{
    /// <summary>LoRA → SHiRA at the default budget lost more than half of the delta (overall relative error &gt; 0.5).</summary>
    public const string LossyBudget = "lossy-budget";

    /// <summary>A copy of a base tensor that PEFT saves with the adapter (an embedding's <c>base_layer</c>) could not
    /// be compared with the base because no base was given.</summary>
    public const string UncheckedBaseCopy = "unchecked-base-copy";

    /// <summary>The relative error above which the default LoRA budget is reported as lossy.</summary>
    public const double LossyRelativeError = 0.5;
}
