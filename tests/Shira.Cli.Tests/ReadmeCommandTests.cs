using Shira.Testing;

namespace Shira.Cli.Tests;

/// <summary>The README's "Typical commands" block runs as written (in a fresh folder, one command after the other).</summary>
public sealed class ReadmeCommandTests
{
    [Fact]
    public void Every_typical_command_in_the_README_succeeds()
    {
        using var dir = new TempDir();
        string example = Path.Combine(RepoPaths.Peft, "llama_tiny");
        var lines = TypicalCommands();
        Assert.True(lines.Count >= 10, "the README's Typical commands block was not found");
        int run = 0;
        foreach (var line in lines)
        {
            var words = line.Split(' ', StringSplitOptions.RemoveEmptyEntries)
                .Select(w => w.Replace("$ex", example, StringComparison.Ordinal).TrimEnd('/')).ToArray();
            // Relative paths are relative to the README's working folder (out/try): here, the temp folder. A path is
            // the value of -o or a word with a file extension (not a number such as 0.05 or a list such as 1,0.5).
            for (int i = 1; i < words.Length; i++)
            {
                string w = words[i];
                bool path = words[i - 1] == "-o" || (w.Contains('.') && !w.Contains(',') && !double.TryParse(w, System.Globalization.CultureInfo.InvariantCulture, out _));
                if (path && !w.StartsWith('-') && !Path.IsPathRooted(w)) words[i] = Path.Combine(dir.Path, w);
            }
            if (words[0] == "cp") { File.Copy(words[1], words[2]); continue; }
            Assert.Equal("shira", words[0]);
            var (exit, _, error) = CliHarness.Run(words[1..]);
            Assert.True(exit == 0, $"`{line}` exited {exit}: {error}");
            run++;
        }
        Assert.True(run >= 10);
    }

    // The commands of the block, without comments, the `ex=` setup line and trailing "# …" remarks.
    private static List<string> TypicalCommands()
    {
        var text = File.ReadAllText(Path.Combine(RepoPaths.Root, "README.md"));
        int start = text.IndexOf("### Typical commands", StringComparison.Ordinal);
        start = text.IndexOf("```sh", start, StringComparison.Ordinal) + 5;
        int end = text.IndexOf("```", start, StringComparison.Ordinal);
        return text[start..end].Split('\n')
            .Select(l => l.Contains(" #", StringComparison.Ordinal) ? l[..l.IndexOf(" #", StringComparison.Ordinal)] : l)
            .Select(l => l.Trim())
            .Where(l => l.Length > 0 && !l.StartsWith('#') && !l.StartsWith("ex=", StringComparison.Ordinal))
            .ToList();
    }
}
