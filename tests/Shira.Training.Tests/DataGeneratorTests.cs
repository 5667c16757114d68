using CsCheck;
using Shira.Training.Data;

namespace Shira.Training.Tests;

public sealed class DataGeneratorTests
{
    [Fact]
    public void Same_seed_gives_the_same_examples_and_another_seed_other_examples()
    {
        foreach (var task in SequenceTask.All)
        {
            var a = task.Generate(50, seed: 7);
            var b = task.Generate(50, seed: 7);
            var c = task.Generate(50, seed: 8);
            Assert.Equal(a, b);
            Assert.NotEqual(a, c);
        }
    }

    [Fact]
    public void Splits_are_independent_streams()
    {
        var train = SequenceTask.Reverse.Generate(50, 1, "train");
        var eval = SequenceTask.Reverse.Generate(50, 1, "eval");
        Assert.NotEqual(train, eval);
    }

    [Fact]
    public void Rng_sequence_is_fixed_by_the_seed()
    {
        // SplitMix64 reference values for seed 0 (Vigna's splitmix64.c, first three outputs).
        var rng = new DataRng(0);
        Assert.Equal(0xE220A8397B1DCDAFUL, rng.NextUInt64());
        Assert.Equal(0x6E789E6AA1B965F4UL, rng.NextUInt64());
        Assert.Equal(0x06C45D188009454FUL, rng.NextUInt64());
    }

    [Fact]
    public void Answers_satisfy_each_task_definition()
    {
        foreach (var e in SequenceTask.Reverse.Generate(100, 3))
        {
            var word = Arg(e.Prompt, "reverse");
            Assert.Equal(word.Length, e.Answer.Length);
            for (int i = 0; i < word.Length; i++) Assert.Equal(word[i], e.Answer[word.Length - 1 - i]);
        }
        foreach (var e in SequenceTask.Caesar.Generate(100, 3))
        {
            var word = Arg(e.Prompt, "caesar");
            Assert.Equal(word.Length, e.Answer.Length);
            for (int i = 0; i < word.Length; i++) Assert.Equal(((word[i] - 'a') + 3) % 26, e.Answer[i] - 'a');
        }
        foreach (var e in SequenceTask.SortDigits.Generate(100, 3))
        {
            var digits = Arg(e.Prompt, "sort");
            for (int i = 1; i < e.Answer.Length; i++) Assert.True(e.Answer[i - 1] <= e.Answer[i]);
            Assert.Equal(digits.OrderBy(c => c).ToArray(), e.Answer.OrderBy(c => c).ToArray());
        }
        foreach (var e in SequenceTask.Add.Generate(100, 3))
        {
            var parts = Arg(e.Prompt, "add").Split('+');
            Assert.Equal(int.Parse(parts[0]) + int.Parse(parts[1]), int.Parse(e.Answer));
        }
        foreach (var e in SequenceTask.Double.Generate(100, 3))
        {
            var word = Arg(e.Prompt, "double");
            Assert.Equal(word, new string(e.Answer.Where((_, i) => i % 2 == 0).ToArray()));
            Assert.Equal(word, new string(e.Answer.Where((_, i) => i % 2 == 1).ToArray()));
        }
    }

    [Fact]
    public void Mixture_draws_from_every_task_and_is_deterministic()
    {
        var a = TokenDataset.Mixture(SequenceTask.PretrainingMixture, 300, 5);
        var b = TokenDataset.Mixture(SequenceTask.PretrainingMixture, 300, 5);
        Assert.Equal(a.Count, b.Count);
        var tags = new HashSet<string>();
        for (int i = 0; i < a.Count; i++)
        {
            Assert.Equal(a[i].Ids, b[i].Ids);
            var text = ByteTokenizer.Decode(a[i].Ids.AsSpan(1, a[i].AnswerStart - 2));
            tags.Add(text.Split(' ')[0]);
        }
        Assert.Equal(SequenceTask.PretrainingMixture.Select(t => t.Name).Order(), tags.Order());
    }

    [Fact]
    public void Tokenizer_round_trips_any_text()
    {
        Gen.String.Sample(s =>
        {
            // Lone surrogates are not valid UTF-16 text and cannot round trip through UTF-8.
            var valid = System.Text.Encoding.UTF8.GetString(System.Text.Encoding.UTF8.GetBytes(s));
            Assert.Equal(valid, ByteTokenizer.Decode(ByteTokenizer.Encode(valid)));
        });
    }

    [Fact]
    public void Example_layout_is_bos_prompt_sep_answer_eos()
    {
        var (ids, start) = ByteTokenizer.EncodeExample("ab", "c");
        Assert.Equal([ByteTokenizer.Bos, 'a', 'b', ByteTokenizer.Sep, 'c', ByteTokenizer.Eos], ids);
        Assert.Equal(4, start);
    }

    [Fact]
    public void Batch_scores_only_the_answer_span_and_pads()
    {
        var data = TokenDataset.FromExamples([new TaskExample("ab", "cd"), new TaskExample("x", "y")]);
        var batch = data.GetBatch([0, 1]);
        Assert.Equal(6, batch.Length); // 7 tokens of the longest example, shifted by one
        long I = TokenDataset.IgnoreIndex;
        // row 0: BOS a b SEP c d | targets a b SEP c d EOS; scored from the first answer token
        Assert.Equal([ByteTokenizer.Bos, 'a', 'b', ByteTokenizer.Sep, 'c', 'd'], batch.Inputs[..6]);
        Assert.Equal([I, I, I, 'c', 'd', ByteTokenizer.Eos], batch.Targets[..6]);
        Assert.Equal([ByteTokenizer.Bos, 'x', ByteTokenizer.Sep, 'y', ByteTokenizer.Pad, ByteTokenizer.Pad], batch.Inputs[6..]);
        Assert.Equal([I, I, 'y', ByteTokenizer.Eos, I, I], batch.Targets[6..]);
        Assert.Equal(5, batch.ScoredTokens);
    }

    [Fact]
    public void Sampler_is_deterministic_and_covers_an_epoch()
    {
        var data = TokenDataset.FromExamples(Enumerable.Range(0, 12).Select(i => new TaskExample(((char)('a' + i)).ToString(), "z")));
        var a = new BatchSampler(data, 4, 9);
        var b = new BatchSampler(data, 4, 9);
        var seen = new List<long>();
        for (int i = 0; i < 3; i++)
        {
            var x = a.Next();
            Assert.Equal(x.Inputs, b.Next().Inputs);
            for (int r = 0; r < x.Batch; r++) seen.Add(x.Inputs[r * x.Length + 1]);
        }
        Assert.Equal(Enumerable.Range('a', 12).Select(c => (long)c), seen.Order());
        Assert.NotEqual(Enumerable.Range('a', 12).Select(c => (long)c), seen); // shuffled
    }

    [Fact]
    public void Text_file_lines_become_examples()
    {
        using var dir = new Shira.Testing.TempDir();
        var path = dir.File("data.txt");
        File.WriteAllText(path, "hello\tworld\nplain text\n\n");
        var data = TokenDataset.FromTextFile(path);
        Assert.Equal(2, data.Count);
        Assert.Equal("world", ByteTokenizer.Decode(data[0].Ids.AsSpan(data[0].AnswerStart)));
        Assert.Equal(1, data[1].AnswerStart);
        Assert.Equal("plain text", ByteTokenizer.Decode(data[1].Ids));
    }

    private static string Arg(string prompt, string tag)
    {
        Assert.StartsWith(tag + " ", prompt);
        return prompt[(tag.Length + 1)..];
    }
}
