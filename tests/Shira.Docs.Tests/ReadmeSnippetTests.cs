using System.Reflection;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Shira.Testing;

namespace Shira.Docs.Tests;

/// <summary>
/// Each C# snippet of README.md compiles as written, in a console app (implicit usings on, as <c>dotnet new console</c>
/// makes it) that references only the package its section names (and what that package brings along). A renamed
/// API, a wrong using or a missing reference fails here instead of in a reader's editor.
/// </summary>
public sealed class ReadmeSnippetTests
{
    /// <summary>What a reference to each package brings (its project references, as NuGet dependencies).</summary>
    private static readonly Dictionary<string, string[]> Closure = new()
    {
        ["Shira.Format"] = ["Shira.Format"],
        ["Shira.Runtime"] = ["Shira.Format", "Shira.Runtime"],
        ["Shira.Convert"] = ["Shira.Format", "Shira.Convert"],
        ["Shira.Training"] = ["Shira.Format", "Shira.Training", "TorchSharp"],
    };

    private const string ImplicitUsings = """
        global using System;
        global using System.Collections.Generic;
        global using System.IO;
        global using System.Linq;
        global using System.Net.Http;
        global using System.Threading;
        global using System.Threading.Tasks;
        """;

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
        var ours = program.Packages.SelectMany(p => Closure[p]).Distinct().Select(Load).ToList();
        var compilation = CSharpCompilation.Create("Snippet",
            [
                CSharpSyntaxTree.ParseText(ImplicitUsings, Options),
                CSharpSyntaxTree.ParseText(program.Code, Options, path: "README.md"),
            ],
            Framework.Value.Concat(ours.Select(a => MetadataReference.CreateFromFile(a.Location))),
            new CSharpCompilationOptions(OutputKind.ConsoleApplication, nullableContextOptions: NullableContextOptions.Enable));
        var errors = compilation.GetDiagnostics().Where(d => d.Severity == DiagnosticSeverity.Error).ToList();
        Assert.True(errors.Count == 0,
            $"{program} (references: {string.Join(", ", program.Packages)}):\n" + string.Join('\n', errors) + "\n--- code:\n" + program.Code);
    }

    private static readonly CSharpParseOptions Options = new(LanguageVersion.Latest);

    /// <summary>The framework's assemblies (what every console app references), without ours.</summary>
    private static readonly Lazy<List<MetadataReference>> Framework = new(() =>
        ((string)AppContext.GetData("TRUSTED_PLATFORM_ASSEMBLIES")!).Split(Path.PathSeparator)
            .Where(p => Path.GetFileName(p).StartsWith("System.", StringComparison.Ordinal) ||
                        Path.GetFileName(p) is "mscorlib.dll" or "netstandard.dll" or "Microsoft.Win32.Primitives.dll")
            .Select(p => (MetadataReference)MetadataReference.CreateFromFile(p)).ToList());

    private static Assembly Load(string name) => name switch
    {
        "Shira.Format" => typeof(Shira.Format.ShiraException).Assembly,
        "Shira.Runtime" => typeof(Shira.Runtime.BaseModel).Assembly,
        "Shira.Convert" => typeof(Shira.Convert.PeftConverter).Assembly,
        "Shira.Training" => Assembly.Load("Shira.Training"),
        "TorchSharp" => Assembly.Load("TorchSharp"),
        _ => throw new ArgumentException(name),
    };
}
