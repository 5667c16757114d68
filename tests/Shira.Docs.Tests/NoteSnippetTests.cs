using System.Reflection;
using Shira.Testing;

namespace Shira.Docs.Tests;

/// <summary>
/// Every C# block of docs/notes/*.md compiles exactly as printed (the code compiled is the note's text, read from
/// the note), against the packages its <c>using</c> directives name; the blocks that need no input files also run.
/// A note that drifts from the code (a renamed type, a moved namespace, pseudo-code) fails here.
/// </summary>
public sealed class NoteSnippetTests
{
    /// <summary>Blocks that make their own input (the others open a model or an adapter the reader has): these run.</summary>
    private static readonly HashSet<string> SelfContained = new(StringComparer.Ordinal) { "codecs.md", "container.md" };

    private static string NotesDirectory => Path.Combine(RepoPaths.Root, "docs", "notes");

    public static TheoryData<string> Blocks()
    {
        var data = new TheoryData<string>();
        foreach (var s in NoteSnippets.Read(NotesDirectory)) data.Add(s.Id);
        return data;
    }

    public static TheoryData<string> SelfContainedBlocks()
    {
        var data = new TheoryData<string>();
        foreach (var s in NoteSnippets.Read(NotesDirectory).Where(s => SelfContained.Contains(s.Note))) data.Add(s.Id);
        return data;
    }

    private static NoteSnippet Find(string id) => NoteSnippets.Read(NotesDirectory).Single(s => s.Id == id);

    [Fact]
    public void The_notes_have_csharp_blocks_and_each_names_its_packages()
    {
        var snippets = NoteSnippets.Read(NotesDirectory);
        Assert.True(snippets.Count >= 8, $"only {snippets.Count} C# blocks found in docs/notes");
        foreach (var s in snippets)
            Assert.True(s.Packages.Count > 0 && s.Packages.All(SnippetCompiler.IsPackage), $"{s}: no `using Shira.X;` names its package");
        foreach (var note in SelfContained) Assert.Contains(snippets, s => s.Note == note);
    }

    [Theory]
    [MemberData(nameof(Blocks))]
    public void Blocks_compile_as_printed(string id)
    {
        var snippet = Find(id);
        var errors = SnippetCompiler.Errors(SnippetCompiler.Compile(snippet.Code, snippet.Packages, snippet.Note));
        Assert.True(errors.Count == 0,
            $"{snippet} (references: {string.Join(", ", snippet.Packages)}):\n" + string.Join('\n', errors) + "\n--- code:\n" + snippet.Code);
    }

    [Theory]
    [MemberData(nameof(SelfContainedBlocks))]
    public void Self_contained_blocks_run(string id)
    {
        var snippet = Find(id);
        var compilation = SnippetCompiler.Compile(snippet.Code, snippet.Packages, snippet.Note);
        using var image = new MemoryStream();
        var emitted = compilation.Emit(image);
        Assert.True(emitted.Success, string.Join('\n', emitted.Diagnostics));
        var entry = Assembly.Load(image.ToArray()).EntryPoint!;
        string folder = Directory.CreateTempSubdirectory("shira-note-").FullName;
        string previous = Environment.CurrentDirectory;
        try
        {
            Environment.CurrentDirectory = folder; // the block writes its files next to itself
            entry.Invoke(null, entry.GetParameters().Length == 0 ? null : [Array.Empty<string>()]);
        }
        finally
        {
            Environment.CurrentDirectory = previous;
            Directory.Delete(folder, recursive: true);
        }
    }
}
