using Shira.Format;
using Shira.Training.Tokenization;

namespace Shira.Training.Data;

/// <summary>
/// Tokenized training examples, each <c>BOS prompt SEP answer EOS</c> (or a plain text line), with the position
/// where the supervised span starts. Batches are plain arrays so this class needs no TorchSharp.
/// </summary>
public sealed class TokenDataset
{
    private readonly List<(int[] Ids, int AnswerStart)> _items;
    private readonly List<bool>? _paired;

    private TokenDataset(List<(int[] Ids, int AnswerStart)> items, string description, long padId = ByteTokenizer.Pad, List<bool>? paired = null)
    {
        _items = items;
        _paired = paired;
        Description = description;
        PadId = padId;
        foreach (var (ids, _) in items) MaxLength = Math.Max(MaxLength, ids.Length);
    }

    /// <summary>The id written into padding input positions.</summary>
    public long PadId { get; }

    /// <summary>True when example <paramref name="index"/> is a prompt/completion pair (exact match applies).</summary>
    public bool IsPromptCompletion(int index) => _paired?[index] ?? true;

    /// <summary>Number of examples.</summary>
    public int Count => _items.Count;
    /// <summary>Longest example in tokens.</summary>
    public int MaxLength { get; }
    /// <summary>Where the data came from.</summary>
    public string Description { get; }

    /// <summary>The token ids of example <paramref name="index"/> and where its answer starts.</summary>
    public (int[] Ids, int AnswerStart) this[int index] => _items[index];

    /// <summary>A dataset of already tokenized examples: (ids, index where the scored span starts, is a pair).</summary>
    public static TokenDataset FromTokenIds(IEnumerable<(int[] Ids, int ScoredStart, bool PromptCompletion)> examples, long padId, string description = "tokens")
    {
        ArgumentNullException.ThrowIfNull(examples);
        var items = new List<(int[], int)>();
        var paired = new List<bool>();
        foreach (var (ids, start, pair) in examples)
        {
            if (ids.Length < 2) throw new ArgumentException("an example needs at least two tokens", nameof(examples));
            items.Add((ids, start));
            paired.Add(pair);
        }
        return new TokenDataset(items, description, padId, paired);
    }

    /// <summary>Tokenizes task examples.</summary>
    public static TokenDataset FromExamples(IEnumerable<TaskExample> examples, string description = "examples")
    {
        ArgumentNullException.ThrowIfNull(examples);
        var items = new List<(int[], int)>();
        foreach (var e in examples) items.Add(ByteTokenizer.EncodeExample(e.Prompt, e.Answer));
        return new TokenDataset(items, description);
    }

    /// <summary><paramref name="count"/> examples of one task, the same for the same seed and split, tokenized by
    /// <paramref name="tokenizer"/> (byte-level when null).</summary>
    public static TokenDataset ForTask(SequenceTask task, int count, ulong seed, string split = "train", TextTokenizer? tokenizer = null)
    {
        ArgumentNullException.ThrowIfNull(task);
        var examples = task.Generate(count, seed, split);
        if (tokenizer is null or ByteLevelTokenizer) return FromExamples(examples, task.Name + "/" + split);
        var items = new List<(int[], int)>(examples.Count);
        foreach (var e in examples) items.Add(tokenizer.EncodeExample(e.Prompt + " ", e.Answer));
        return new TokenDataset(items, task.Name + "/" + split, tokenizer.PadId);
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
        if (items.Count == 0) throw ShiraErrors.DataEmpty("the file holds no text lines", path);
        return new TokenDataset(items, Path.GetFileName(path));
    }

    /// <summary>
    /// Tokenizes a data file with <paramref name="tokenizer"/>: texts as <c>[BOS] text [EOS]</c> (every token
    /// scored), pairs as <see cref="TextTokenizer.EncodeExample"/> (the completion scored). Examples longer than
    /// <paramref name="maxTokens"/> are handled by <paramref name="overLong"/> and counted in the report. Token ids
    /// at or beyond <paramref name="modelVocabSize"/> (when given) are refused: the tokenizer does not belong to
    /// the model.
    /// </summary>
    public static (TokenDataset Data, DataLoadReport Report) FromData(DataFile data, TextTokenizer tokenizer, int maxTokens,
        OverLongPolicy overLong = OverLongPolicy.Skip, int? modelVocabSize = null)
    {
        ArgumentNullException.ThrowIfNull(data);
        ArgumentNullException.ThrowIfNull(tokenizer);
        ArgumentOutOfRangeException.ThrowIfLessThan(maxTokens, 2);
        var items = new List<(int[], int)>(data.Records.Count);
        var paired = new List<bool>(data.Records.Count);
        var overLines = new List<int>();
        int over = 0, pairs = 0;
        long tokens = 0, scored = 0;
        foreach (var r in data.Records)
        {
            var (ids, start) = r.IsPromptCompletion ? tokenizer.EncodeExample(r.Prompt!, r.Text) : (tokenizer.EncodeDocument(r.Text), 1);
            if (modelVocabSize is int vocab)
            {
                foreach (var id in ids)
                {
                    if (id < 0 || id >= vocab)
                    {
                        throw ShiraErrors.TokenizerVocabularyMismatch($"line {r.Line}: the tokenizer ({tokenizer.Kind}) produced token id {id}, the model has {vocab} embeddings", data.Path);
                    }
                }
            }
            if (ids.Length > maxTokens)
            {
                over++;
                if (overLines.Count < 10) overLines.Add(r.Line);
                if (overLong == OverLongPolicy.Skip) continue;
                if (overLong == OverLongPolicy.Truncate)
                {
                    ids = ids[..maxTokens];
                    if (start >= maxTokens) continue; // nothing of the completion would be left to score
                }
            }
            if (ids.Length < 2) continue; // a lone token predicts nothing
            items.Add((ids, start));
            paired.Add(r.IsPromptCompletion);
            if (r.IsPromptCompletion) pairs++;
            tokens += ids.Length;
            scored += ids.Length - Math.Max(1, start);
        }
        if (over > 0 && overLong == OverLongPolicy.Error)
        {
            throw ShiraErrors.DataMalformed($"{over} examples are longer than {maxTokens} tokens (lines {string.Join(", ", overLines)}{(over > overLines.Count ? ", …" : "")})", data.Path);
        }
        if (items.Count == 0)
            throw ShiraErrors.DataEmpty($"no example fits in {maxTokens} tokens ({over} are longer)", data.Path);
        var report = new DataLoadReport
        {
            Path = data.Path, Format = data.Format, Tokenizer = tokenizer.Kind, Records = data.Records.Count, Examples = items.Count,
            PromptCompletion = pairs, MaxTokens = maxTokens, OverLong = over, OverLongLines = overLines, OverLongPolicy = overLong,
            Tokens = tokens, ScoredTokens = scored,
        };
        return (new TokenDataset(items, Path.GetFileName(data.Path), tokenizer.PadId, paired), report);
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
        Array.Fill(inputs, PadId);
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
        return new TokenBatch(inputs, targets, indices.Length, t) { PadId = PadId };
    }

    /// <summary>The target value that is not scored (prompt positions and padding).</summary>
    public const long IgnoreIndex = -100;
}
