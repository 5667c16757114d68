namespace Shira.Training.Data;

/// <summary>What happens to an example longer than the token limit. Every choice is counted and reported.</summary>
public enum OverLongPolicy
{
    /// <summary>Leave the example out (the default: a cut example teaches the model to stop mid-sentence).</summary>
    Skip = 0,
    /// <summary>Keep its first tokens up to the limit.</summary>
    Truncate = 1,
    /// <summary>Refuse the file (<see cref="Shira.Format.ShiraErrorCode.DataMalformed"/> naming the lines).</summary>
    Error = 2,
}
