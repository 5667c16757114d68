using System.Text;

namespace Shira.Training.Data;

/// <summary>
/// An algorithmic sequence task the project generates: every example is drawn from a seeded generator, and the
/// answer is a deterministic function of the prompt, so accuracy is exact match of the answer span.
/// </summary>
public sealed class SequenceTask
{
    private const string Letters = "abcdefghijklmnopqrstuvwxyz";
    private readonly Func<DataRng, TaskExample> _sample;

    private SequenceTask(string name, string description, Func<DataRng, TaskExample> sample)
    {
        Name = name;
        Description = description;
        _sample = sample;
    }

    /// <summary>Short name used on the command line (<c>--task</c>).</summary>
    public string Name { get; }
    /// <summary>What the task asks.</summary>
    public string Description { get; }

    /// <summary>Draws one example.</summary>
    public TaskExample Sample(DataRng rng) => _sample(rng);

    /// <summary>Draws <paramref name="count"/> examples, the same ones for the same seed and split label.</summary>
    public IReadOnlyList<TaskExample> Generate(int count, ulong seed, string split = "train")
    {
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        var rng = DataRng.Derive(seed, Name + "/" + split);
        var list = new TaskExample[count];
        for (int i = 0; i < count; i++) list[i] = _sample(rng);
        return list;
    }

    /// <summary>Copy a lowercase word (the backbone of the pretraining mixture).</summary>
    public static SequenceTask Copy { get; } = new("copy", "copy a lowercase word",
        r => Word(r, "copy", w => w));

    /// <summary>Upper-case a word (pretraining mixture).</summary>
    public static SequenceTask Upper { get; } = new("upper", "upper-case a lowercase word",
        r => Word(r, "upper", w => w.ToUpperInvariant()));

    /// <summary>Double every letter (pretraining mixture).</summary>
    public static SequenceTask Double { get; } = new("double", "write every letter twice",
        r => Word(r, "double", w =>
        {
            var sb = new StringBuilder(w.Length * 2);
            foreach (var c in w) sb.Append(c).Append(c);
            return sb.ToString();
        }));

    /// <summary>Reverse a word.</summary>
    public static SequenceTask Reverse { get; } = new("reverse", "reverse a lowercase word",
        r => Word(r, "reverse", w =>
        {
            var a = w.ToCharArray();
            Array.Reverse(a);
            return new string(a);
        }));

    /// <summary>Shift every letter three places forward (Caesar cipher, wrapping z to c).</summary>
    public static SequenceTask Caesar { get; } = new("caesar", "shift every letter 3 places (Caesar cipher)",
        r => Word(r, "caesar", w =>
        {
            var a = w.ToCharArray();
            for (int i = 0; i < a.Length; i++) a[i] = (char)('a' + (a[i] - 'a' + 3) % 26);
            return new string(a);
        }));

    /// <summary>Sort a string of digits ascending.</summary>
    public static SequenceTask SortDigits { get; } = new("sort", "sort a string of digits",
        r =>
        {
            int n = r.Next(4, 8);
            var d = new char[n];
            for (int i = 0; i < n; i++) d[i] = (char)('0' + r.Next(10));
            var s = new string(d);
            Array.Sort(d);
            return new TaskExample("sort " + s, new string(d));
        });

    /// <summary>Add two numbers of up to three digits.</summary>
    public static SequenceTask Add { get; } = new("add", "add two numbers below 1000",
        r =>
        {
            int a = r.Next(1000), b = r.Next(1000);
            return new TaskExample(FormattableString.Invariant($"add {a}+{b}"), FormattableString.Invariant($"{a + b}"));
        });

    /// <summary>Every task, by name.</summary>
    public static IReadOnlyList<SequenceTask> All { get; } = [Copy, Upper, Double, Reverse, Caesar, SortDigits, Add];

    /// <summary>The tasks of the pretraining mixture (the fine-tuning tasks are not among them).</summary>
    public static IReadOnlyList<SequenceTask> PretrainingMixture { get; } = [Copy, Upper, Double];

    /// <summary>Finds a task by name (case-insensitive); null when unknown.</summary>
    public static SequenceTask? Find(string name)
    {
        foreach (var t in All)
            if (string.Equals(t.Name, name, StringComparison.OrdinalIgnoreCase)) return t;
        return null;
    }

    private static TaskExample Word(DataRng r, string tag, Func<string, string> answer)
    {
        int n = r.Next(3, 8);
        var w = new char[n];
        for (int i = 0; i < n; i++) w[i] = Letters[r.Next(Letters.Length)];
        var word = new string(w);
        return new TaskExample(tag + " " + word, answer(word));
    }
}
