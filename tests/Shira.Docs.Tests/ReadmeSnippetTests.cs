using Shira.Testing;

namespace Shira.Docs.Tests;

/// <summary>
/// Each C# snippet of README.md compiles as written, in a console app (implicit usings on, as <c>dotnet new console</c>
/// makes it) that references only the package its section names (and what that package brings along). A renamed
/// API, a wrong using or a missing reference fails here instead of in a reader's editor.
/// </summary>
public sealed class ReadmeSnippetTests
{
    public static TheoryData<string> Sections()
    {
        var data = new TheoryData<string>();
        foreach (var p in ReadmeSnippets.Read(Path.Combine(RepoPaths.Root, "README.md"))) data.Add(p.Heading);
        return data;
    }

    [Fact]
    public void The_README_has_csharp_snippets_and_each_section_names_its_package()
    {
        var programs = ReadmeSnippets.Read(Path.Combine(RepoPaths.Root, "README.md"));
        Assert.True(programs.Count >= 4, $"only {programs.Count} C# sections found");
        foreach (var p in programs) Assert.True(p.Packages.Count > 0, $"{p}: the heading names no package (`Shira.X`)");
    }

    [Theory]
    [MemberData(nameof(Sections))]
    public void Snippets_compile_as_written(string heading)
    {
        var program = ReadmeSnippets.Read(Path.Combine(RepoPaths.Root, "README.md")).First(p => p.Heading == heading);
        var errors = SnippetCompiler.Errors(SnippetCompiler.Compile(program.Code, program.Packages, "README.md"));
        Assert.True(errors.Count == 0,
            $"{program} (references: {string.Join(", ", program.Packages)}):\n" + string.Join('\n', errors) + "\n--- code:\n" + program.Code);
    }
}
