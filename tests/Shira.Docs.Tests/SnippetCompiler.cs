using System.Reflection;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;

namespace Shira.Docs.Tests;

/// <summary>
/// Compiles a documentation snippet as a console app would (<c>dotnet new console</c>: implicit usings on, nullable
/// on) that references only the named packages and what they bring along (their project references, as NuGet
/// dependencies).
/// </summary>
internal static class SnippetCompiler
{
    /// <summary>What a reference to each package brings.</summary>
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

    private static readonly CSharpParseOptions Options = new(LanguageVersion.Latest);

    /// <summary>The framework's assemblies (what every console app references), without ours.</summary>
    private static readonly Lazy<List<MetadataReference>> Framework = new(() =>
        ((string)AppContext.GetData("TRUSTED_PLATFORM_ASSEMBLIES")!).Split(Path.PathSeparator)
            .Where(p => Path.GetFileName(p).StartsWith("System.", StringComparison.Ordinal) ||
                        Path.GetFileName(p) is "mscorlib.dll" or "netstandard.dll" or "Microsoft.Win32.Primitives.dll")
            .Select(p => (MetadataReference)MetadataReference.CreateFromFile(p)).ToList());

    /// <summary>True for a package name <see cref="Compile"/> knows.</summary>
    public static bool IsPackage(string name) => Closure.ContainsKey(name);

    /// <summary>A console program of <paramref name="code"/> against <paramref name="packages"/>.</summary>
    public static CSharpCompilation Compile(string code, IEnumerable<string> packages, string path)
    {
        var ours = packages.SelectMany(p => Closure[p]).Distinct().Select(Load).ToList();
        return CSharpCompilation.Create("Snippet",
            [
                CSharpSyntaxTree.ParseText(ImplicitUsings, Options),
                CSharpSyntaxTree.ParseText(code, Options, path: path),
            ],
            Framework.Value.Concat(ours.Select(a => MetadataReference.CreateFromFile(a.Location))),
            new CSharpCompilationOptions(OutputKind.ConsoleApplication, nullableContextOptions: NullableContextOptions.Enable));
    }

    /// <summary>The compilation's errors, one a line (empty when it compiles).</summary>
    public static List<Diagnostic> Errors(CSharpCompilation compilation) =>
        compilation.GetDiagnostics().Where(d => d.Severity == DiagnosticSeverity.Error).ToList();

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
