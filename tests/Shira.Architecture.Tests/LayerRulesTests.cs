namespace Shira.Architecture.Tests;

/// <summary>The rules reject what they must: each wrong reference of the issue, on synthetic projects.</summary>
public class LayerRulesTests
{
    private static SrcProject Lib(string name, string[]? projects = null, string[]? packages = null) =>
        new(name, name, false, projects ?? [], packages ?? []);

    private static SrcProject Exe(string name, string[]? projects = null, string[]? packages = null) =>
        new(name, name, true, projects ?? [], packages ?? []);

    private static readonly SrcProject[] Good =
    [
        Lib("Shira.Format", packages: ["Google.Protobuf", "K4os.Compression.LZ4", "System.IO.Hashing"]),
        Lib("Shira.Convert", ["Shira.Format"]),
        Lib("Shira.Runtime", ["Shira.Format"], ["System.Numerics.Tensors"]),
        Lib("Shira.Training", ["Shira.Format"], ["TorchSharp-cpu"]),
        Exe("Shira.Cli", ["Shira.Format", "Shira.Convert", "Shira.Runtime"], ["System.CommandLine", "Spectre.Console"]),
        Exe("Shira.Training.Cli", ["Shira.Format", "Shira.Training", "Shira.Convert", "Shira.Runtime"], ["System.CommandLine", "Spectre.Console"]),
        Exe("Shira.Native", ["Shira.Format", "Shira.Runtime"]),
    ];

    private static List<string> With(SrcProject changed) =>
        LayerRules.CheckProjects([.. Good.Where(p => p.Name != changed.Name), changed]);

    [Fact]
    public void The_intended_graph_passes() => Assert.Empty(LayerRules.CheckProjects(Good));

    [Theory]
    [InlineData("Shira.Format", "Shira.Convert")]       // ground floor referencing a layer above it
    [InlineData("Shira.Convert", "Shira.Runtime")]      // library on a library (the reference issue 11 removed)
    [InlineData("Shira.Runtime", "Shira.Cli")]          // library on the command
    [InlineData("Shira.Training", "Shira.Cli")]
    [InlineData("Shira.Cli", "Shira.Training.Cli")]     // front end on front end
    [InlineData("Shira.Cli", "Shira.Training")]         // the core command runs shira-train, never links the trainer
    [InlineData("Shira.Training", "Shira.Runtime")]     // the trainer stands on Shira.Format alone
    [InlineData("Shira.Runtime", "Shira.Training.Cli")] // nothing references shira-train
    [InlineData("Shira.Native", "Shira.Training.Cli")]
    public void A_wrong_project_reference_fails(string from, string to)
    {
        var p = Good.Single(x => x.Name == from);
        Assert.Contains(With(p with { ProjectReferences = [.. p.ProjectReferences, to] }), m => m.StartsWith($"{from}", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("Shira.Format", "System.CommandLine")]  // Format: Protobuf, LZ4, System.IO.Hashing only
    [InlineData("Shira.Format", "System.Numerics.Tensors")]
    [InlineData("Shira.Convert", "TorchSharp-cpu")]     // TorchSharp only in training
    [InlineData("Shira.Runtime", "TorchSharp-cpu")]
    [InlineData("Shira.Cli", "TorchSharp-cpu")]
    [InlineData("Shira.Runtime", "Spectre.Console")]    // console output belongs to front ends
    public void A_wrong_package_fails(string from, string package)
    {
        var p = Good.Single(x => x.Name == from);
        Assert.Contains(With(p with { Packages = [.. p.Packages, package] }), m => m.Contains(package, StringComparison.Ordinal));
    }

    [Fact]
    public void Nothing_may_reference_the_training_tool()
    {
        foreach (var p in Good.Where(x => x.Name != LayerRules.TrainingTool))
            Assert.NotNull(LayerRules.ProjectViolation(p, Good.Single(x => x.Name == LayerRules.TrainingTool)));
    }

    [Fact]
    public void A_project_added_later_falls_under_the_same_rules()
    {
        Assert.Empty(With(Lib("Shira.Data", ["Shira.Format"])));
        Assert.NotEmpty(With(Lib("Shira.Data", ["Shira.Runtime"])));
        Assert.NotEmpty(With(Lib("Shira.Data", ["Shira.Format"], ["TorchSharp-cpu"])));
        Assert.NotEmpty(With(Lib("Shira.Data", ["Shira.Tools"])));  // not a src project
    }

    [Fact]
    public void Assembly_references_are_checked_like_project_references()
    {
        var runtime = Good.Single(x => x.Name == "Shira.Runtime");
        bool Framework(string a) => a.StartsWith("System.", StringComparison.Ordinal) && a != "System.IO.Hashing" && a != "System.Numerics.Tensors";
        Assert.Empty(LayerRules.CheckAssembly(runtime, ["System.Runtime", "Shira.Format", "System.Numerics.Tensors"], Good, Framework));
        Assert.NotEmpty(LayerRules.CheckAssembly(runtime, ["Shira.Convert"], Good, Framework));
        Assert.NotEmpty(LayerRules.CheckAssembly(runtime, ["TorchSharp"], Good, Framework));
        Assert.NotEmpty(LayerRules.CheckAssembly(Good[0], ["Newtonsoft.Json"], Good, Framework));
        Assert.NotEmpty(LayerRules.CheckAssembly(Good[0], ["System.Numerics.Tensors"], Good, Framework));
        Assert.Empty(LayerRules.CheckAssembly(Good.Single(x => x.Name == "Shira.Cli"), ["Spectre.Console.Ansi", "System.IO.Hashing"], Good, Framework));
    }
}
