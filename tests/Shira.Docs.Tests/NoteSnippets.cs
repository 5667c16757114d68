using System.Text.RegularExpressions;

namespace Shira.Docs.Tests;

/// <summary>One ```csharp (or ```cs) block of a docs/notes file: where it stands, the packages its <c>using</c>
/// directives name, and its code exactly as printed.</summary>
internal sealed record NoteSnippet(string Note, int Line, IReadOnlyList<string> Packages, string Code)
{
    /// <summary><c>note.md:line</c>, the test case's name.</summary>
    public string Id => $"{Note}:{Line}";

    public override string ToString() => $"docs/notes/{Id}";
}

/// <summary>Reads the C# blocks of docs/notes/*.md. Each block is a program of its own (the notes are read one
/// section at a time), so each names what it uses.</summary>
internal static partial class NoteSnippets
{
    public static IReadOnlyList<NoteSnippet> Read(string notesDirectory)
    {
        var snippets = new List<NoteSnippet>();
        foreach (var path in Directory.GetFiles(notesDirectory, "*.md").Order(StringComparer.Ordinal))
        {
            var lines = File.ReadAllLines(path);
            for (int i = 0; i < lines.Length; i++)
            {
                if (lines[i].Trim() is not ("```csharp" or "```cs")) continue;
                int first = i + 1;
                var code = new List<string>();
                for (i++; i < lines.Length && lines[i].Trim() != "```"; i++) code.Add(lines[i]);
                var packages = code.Select(l => ShiraUsing().Match(l)).Where(m => m.Success)
                    .Select(m => m.Groups[1].Value).Distinct().ToList();
                snippets.Add(new NoteSnippet(Path.GetFileName(path), first, packages, string.Join('\n', code)));
            }
        }
        return snippets;
    }

    /// <summary>A using directive of one of our packages or a namespace of it.</summary>
    [GeneratedRegex(@"^using\s+(?:static\s+)?(Shira\.(?:Format|Convert|Runtime|Training))(?:\.[A-Za-z.]+)?\s*;")]
    private static partial Regex ShiraUsing();
}
