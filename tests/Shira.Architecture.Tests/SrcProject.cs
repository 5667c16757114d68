using System.Xml.Linq;

namespace Shira.Architecture.Tests;

/// <summary>What a src project declares: its references and whether it is a front end (an executable or native library).</summary>
internal sealed record SrcProject(string Name, string AssemblyName, bool IsFrontEnd, IReadOnlyList<string> ProjectReferences,
    IReadOnlyList<string> Packages)
{
    /// <summary>Reads a csproj. Packages marked <c>PrivateAssets="all"</c> (code generators, analyzers) never reach
    /// the built assembly and are left out; the assembly check sees anything that does.</summary>
    public static SrcProject Load(string csproj)
    {
        var doc = XDocument.Load(csproj);
        string name = Path.GetFileNameWithoutExtension(csproj);
        string? Property(string p) => doc.Descendants(p).Select(e => e.Value.Trim()).LastOrDefault(v => v.Length > 0);
        bool frontEnd = Property("OutputType") is "Exe" or "WinExe" || Property("NativeLib") is not null
            || string.Equals(Property("PackAsTool"), "true", StringComparison.OrdinalIgnoreCase);
        var projects = doc.Descendants("ProjectReference")
            .Select(e => Path.GetFileNameWithoutExtension((string)e.Attribute("Include")!.Value.Replace('\\', '/')))
            .ToList();
        var packages = doc.Descendants("PackageReference")
            .Where(e => !string.Equals((string?)e.Attribute("PrivateAssets") ?? e.Element("PrivateAssets")?.Value, "all",
                StringComparison.OrdinalIgnoreCase))
            .Select(e => (string)e.Attribute("Include")!)
            .ToList();
        return new SrcProject(name, Property("AssemblyName") ?? name, frontEnd, projects, packages);
    }
}
