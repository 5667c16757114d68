using System.Text.RegularExpressions;

namespace Shira.Docs.Tests;

/// <summary>One program made of a README section's C# snippets: the section's heading, the packages it names
/// (<c>`Shira.X`</c> in the heading) and the code of its snippets in order.</summary>
internal sealed record ReadmeProgram(string Heading, int Line, IReadOnlyList<string> Packages, string Code)
{
    public override string ToString() => $"{Heading} (README.md line {Line})";
}

/// <summary>Reads the ```csharp blocks of README.md. Snippets of one section form one program (a later snippet may
/// use what an earlier one declared, as a reader would read them); their <c>using</c> directives are hoisted.</summary>
internal static partial class ReadmeSnippets
{
    public static IReadOnlyList<ReadmeProgram> Read(string readmePath)
    {
        var lines = File.ReadAllLines(readmePath);
        var programs = new List<ReadmeProgram>();
        string heading = "";
        int headingLine = 0;
        var usings = new List<string>();
        var body = new List<string>();
        int first = 0;
        void Flush()
        {
            if (body.Count == 0 && usings.Count == 0) return;
            var packages = PackageName().Matches(heading).Select(m => m.Groups[1].Value).Distinct().ToList();
            programs.Add(new ReadmeProgram(heading, first, packages, string.Join('\n', usings.Distinct().Concat(body))));
            usings.Clear();
            body.Clear();
        }
        for (int i = 0; i < lines.Length; i++)
        {
            if (lines[i].StartsWith('#'))
            {
                Flush();
                heading = lines[i].TrimStart('#').Trim();
                headingLine = i + 1;
                continue;
            }
            if (lines[i].Trim() != "```csharp") continue;
            if (body.Count == 0) first = i + 1;
            for (i++; i < lines.Length && lines[i].Trim() != "```"; i++)
            {
                if (UsingDirective().IsMatch(lines[i])) usings.Add(lines[i]);
                else body.Add(lines[i]);
            }
        }
        Flush();
        return programs;
    }

    /// <summary>A package named in a heading: <c>`Shira.Format`</c>, or a namespace of it (<c>`Shira.Format.Safetensors`</c>).</summary>
    [GeneratedRegex(@"`(Shira\.(?:Format|Convert|Runtime|Training))(?:\.[A-Za-z.]+)?`")]
    private static partial Regex PackageName();

    [GeneratedRegex(@"^using\s+[A-Za-z0-9_.]+\s*;")]
    private static partial Regex UsingDirective();
}
