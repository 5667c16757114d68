using System.Reflection.Metadata;
using System.Reflection.PortableExecutable;
using Shira.Testing;

namespace Shira.Architecture.Tests;

/// <summary>The layering rule of the README, checked on every src/*/*.csproj and on the assemblies they build.</summary>
public class LayeringTests
{
    private static readonly List<SrcProject> Projects = Directory
        .GetFiles(Path.Combine(RepoPaths.Root, "src"), "*.csproj", SearchOption.AllDirectories)
        .Where(f => Path.GetFileName(Path.GetDirectoryName(Path.GetDirectoryName(f))) == "src")
        .Select(SrcProject.Load).OrderBy(p => p.Name, StringComparer.Ordinal).ToList();

    /// <summary>project name → built assembly path, written by the build (see the csproj's WriteSrcAssemblyList).</summary>
    private static readonly Dictionary<string, string> Built = File
        .ReadAllLines(Path.Combine(AppContext.BaseDirectory, "src-assemblies.txt"))
        .Where(l => l.Length > 0).Select(l => l.Split('|'))
        .ToDictionary(p => Path.GetFileNameWithoutExtension(p[0]), p => p[1], StringComparer.Ordinal);

    private static readonly string FrameworkDir = Path.GetDirectoryName(typeof(object).Assembly.Location)!;

    private static bool IsFramework(string assembly) =>
        assembly is "netstandard" or "mscorlib" || File.Exists(Path.Combine(FrameworkDir, assembly + ".dll"));

    [Fact]
    public void Src_projects_reference_only_their_allowed_set()
    {
        Assert.Contains(Projects, p => p.Name == LayerRules.Ground);
        var problems = LayerRules.CheckProjects(Projects);
        Assert.True(problems.Count == 0, string.Join("\n", problems));
    }

    [Fact]
    public void Built_assemblies_reference_only_their_allowed_set()
    {
        var problems = new List<string>();
        foreach (var p in Projects)
        {
            Assert.True(Built.TryGetValue(p.Name, out var path), $"{p.Name} was not built for this test (src-assemblies.txt)");
            Assert.True(File.Exists(path), $"{p.Name}: {path} missing");
            problems.AddRange(LayerRules.CheckAssembly(p, ReferencedAssemblies(path), Projects, IsFramework));
        }
        Assert.True(problems.Count == 0, string.Join("\n", problems));
    }

    [Fact]
    public void Every_src_project_is_checked()
    {
        // The csproj's wildcard builds every src project; a project missing here would escape the assembly check.
        Assert.Equal(Projects.Select(p => p.Name), Built.Keys.Order(StringComparer.Ordinal));
    }

    [Fact]
    public void Only_training_projects_see_TorchSharp()
    {
        foreach (var p in Projects.Where(p => !LayerRules.IsTraining(p.Name)))
        {
            Assert.DoesNotContain(ReferencedAssemblies(Built[p.Name]), a => a.StartsWith("TorchSharp", StringComparison.Ordinal));
            Assert.DoesNotContain(p.Packages, a => a.StartsWith("TorchSharp", StringComparison.Ordinal));
        }
    }

    private static List<string> ReferencedAssemblies(string path)
    {
        using var pe = new PEReader(File.OpenRead(path));
        var md = pe.GetMetadataReader();
        return md.AssemblyReferences.Select(h => md.GetString(md.GetAssemblyReference(h).Name)).ToList();
    }
}
