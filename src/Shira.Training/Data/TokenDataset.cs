using Shira.Format;

namespace Shira.Training.Data;

/// <summary>
/// Tokenized training examples, each <c>BOS prompt SEP answer EOS</c> (or a plain text line), with the position
/// where the supervised span starts. Batches are plain arrays so this class needs no TorchSharp.
/// </summary>
public sealed class TokenDataset
{
    private readonly List<(int[] Ids, int AnswerStart)> _items;

    private TokenDataset(List<(int[] Ids, int AnswerStart)> items, string description)
    {
        _items = items;
        Description = description;
        foreach (var (ids, _) in items) MaxLength = Math.Max(MaxLength, ids.Length);
    }

    /// <summary>Number of examples.</summary>
    public int Count => _items.Count;
    /// <summary>Longest example in tokens.</summary>
    public int MaxLength { get; }
    /// <summary>Where the data came from.</summary>
    public string Description { get; }

    /// <summary>The token ids of example <paramref name="index"/> and where its answer starts.</summary>
    public (int[] Ids, int AnswerStart) this[int index] => _items[index];

    /// <summary>Tokenizes task examples.</summary>
    public static TokenDataset FromExamples(IEnumerable<TaskExample> examples, string description = "examples")
    {
        ArgumentNullException.ThrowIfNull(examples);
        var items = new List<(int[], int)>();
        foreach (var e in examples) items.Add(ByteTokenizer.EncodeExample(e.Prompt, e.Answer));
        return new TokenDataset(items, description);
    }

    /// <summary><paramref name="count"/> examples of one task, the same for the same seed and split.</summary>
    public static TokenDataset ForTask(SequenceTask task, int count, ulong seed, string split = "train")
    {
        ArgumentNullException.ThrowIfNull(task);
        return FromExamples(task.Generate(count, seed, split), task.Name + "/" + split);
    }

    /// <summary>A mixture: each example's task is drawn uniformly from <paramref name="tasks"/> (seeded).</summary>
    public static TokenDataset Mixture(IReadOnlyList<SequenceTask> tasks, int count, ulong seed, string split = "train")
    {
        ArgumentNullException.ThrowIfNull(tasks);
        if (tasks.Count == 0) throw new ArgumentException("the mixture needs at least one task", nameof(tasks));
        var pick = DataRng.Derive(seed, "mixture/" + split);
        var streams = new DataRng[tasks.Count];
        for (int i = 0; i < tasks.Count; i++) streams[i] = DataRng.Derive(seed, tasks[i].Name + "/" + split);
        var examples = new List<TaskExample>(count);
        for (int i = 0; i < count; i++)
        {
            int t = pick.Next(tasks.Count);
            examples.Add(tasks[t].Sample(streams[t]));
        }
        return FromExamples(examples, "mixture/" + split);
    }

    /// <summary>
    /// Reads a UTF-8 text file: a line <c>prompt&lt;TAB&gt;answer</c> is a supervised example (loss on the answer);
    /// any other non-empty line is plain text (loss on every token). Lines longer than
    /// <paramref name="maxTokens"/> are cut.
    /// </summary>
    public static TokenDataset FromTextFile(string path, int maxTokens = 256)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(maxTokens, 4);
        var items = new List<(int[], int)>();
        foreach (var line in File.ReadLines(path))
        {
            if (line.Length == 0) continue;
            int tab = line.IndexOf('\t', StringComparison.Ordinal);
            (int[] Ids, int AnswerStart) item;
            if (tab >= 0)
            {
                item = ByteTokenizer.EncodeExample(line[..tab], line[(tab + 1)..]);
            }
            else
            {
                var body = ByteTokenizer.Encode(line);
                var ids = new int[body.Length + 2];
                ids[0] = ByteTokenizer.Bos;
                body.CopyTo(ids, 1);
                ids[^1] = ByteTokenizer.Eos;
                item = (ids, 1);
            }
            if (item.Ids.Length > maxTokens) item = (item.Ids[..maxTokens], Math.Min(item.AnswerStart, maxTokens - 1));
            items.Add(item);
        }
        if (items.Count == 0) ShiraErrors.Throw(ShiraErrorCode.Usage, $"'{path}' holds no text lines", path);
        return new TokenDataset(items, Path.GetFileName(path));
    }

    /// <summary>
    /// Builds a next-token batch from the examples at <paramref name="indices"/>: inputs are ids[0..L-1), targets
    /// ids[1..L) with <see cref="IgnoreIndex"/> outside the answer span and on padding. Rows are padded to the
    /// longest example of the batch.
    /// </summary>
    public TokenBatch GetBatch(ReadOnlySpan<int> indices)
    {
        int t = 1;
        foreach (var i in indices) t = Math.Max(t, _items[i].Ids.Length - 1);
        var inputs = new long[indices.Length * t];
        var targets = new long[indices.Length * t];
        Array.Fill(inputs, ByteTokenizer.Pad);
        Array.Fill(targets, IgnoreIndex);
        for (int b = 0; b < indices.Length; b++)
        {
            var (ids, start) = _items[indices[b]];
            for (int p = 0; p + 1 < ids.Length; p++)
            {
                inputs[b * t + p] = ids[p];
                if (p + 1 >= start) targets[b * t + p] = ids[p + 1];
            }
        }
        return new TokenBatch(inputs, targets, indices.Length, t);
    }

    /// <summary>The target value that is not scored (prompt positions and padding).</summary>
    public const long IgnoreIndex = -100;
}
