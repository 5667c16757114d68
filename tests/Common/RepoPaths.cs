using System.Reflection;

namespace Shira.Testing;

/// <summary>Locations in the repository, fixed at build time (test binaries may live outside the tree).</summary>
internal static class RepoPaths
{
    /// <summary>The repository root (the folder holding ShiraFormat.sln).</summary>
    public static string Root { get; } = FindRoot();

    /// <summary>The committed fixtures folder.</summary>
    public static string Fixtures => Path.Combine(Root, "fixtures");

    /// <summary>PEFT-made fixtures copied from shared/ (see fixtures/peft/README.md).</summary>
    public static string Peft => Path.Combine(Root, "fixtures", "peft");

    private static string FindRoot()
    {
        var baked = typeof(RepoPaths).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>()
            .FirstOrDefault(a => a.Key == "RepoRoot")?.Value;
        if (baked is not null && File.Exists(Path.Combine(baked, "ShiraFormat.sln"))) return Path.GetFullPath(baked);
        for (var d = new DirectoryInfo(AppContext.BaseDirectory); d is not null; d = d.Parent)
            if (File.Exists(Path.Combine(d.FullName, "ShiraFormat.sln"))) return d.FullName;
        throw new InvalidOperationException("cannot find the repository root (ShiraFormat.sln)");
    }
}

/// <summary>A temporary folder deleted on dispose.</summary>
internal sealed class TempDir : IDisposable
{
    public TempDir()
    {
        Path = System.IO.Path.Combine(System.IO.Path.GetTempPath(), "shira-test-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(Path);
    }

    public string Path { get; }

    public string File(string name) => System.IO.Path.Combine(Path, name);

    public void Dispose()
    {
        try { Directory.Delete(Path, recursive: true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
    }
}
