using System.Diagnostics;
using System.Reflection;
using System.Runtime.Loader;
using System.Text.Json.Nodes;
using Shira.Testing;

namespace Shira.Training.Cli.Tests;

/// <summary><c>shira-train train</c> in-process, and <c>shira train</c> reaching it from the core command.</summary>
public sealed class TrainCommandTests
{
    [Fact]
    public void Help_and_usage_errors_do_not_load_TorchSharp()
    {
        var cli = new IsolatedCli();
        Assert.Equal(0, cli.Run("--help"));
        Assert.Equal(0, cli.Run("train", "--help"));
        var err = new StringWriter();
        Assert.Equal(2, cli.Run(new StringWriter(), err, "train", "--task", "caesar", "--mask", "nope", "-o", "x.shira"));
        Assert.Contains("nope", err.ToString());
        Assert.Contains(cli.Context.Assemblies, a => a.GetName().Name == "Shira.Training"); // reachable, but…
        Assert.DoesNotContain(cli.Context.Assemblies, a => a.GetName().Name == "TorchSharp"); // …libtorch is not loaded
    }

    [Fact]
    public void Train_loads_TorchSharp_and_writes_the_adapter()
    {
        // The positive control of the test above: the same check sees TorchSharp once training really runs.
        using var dir = new TempDir();
        var cli = new IsolatedCli();
        var output = new StringWriter();
        var error = new StringWriter();
        int exit = cli.Run(output, error,
            "train", "--init", "tiny", "--pretrain-steps", "2", "--save-base", dir.File("base.safetensors"),
            "--task", "caesar", "--mask", "structured", "--budget", "lora:1", "--steps", "3", "--batch", "4",
            "--examples", "16", "--eval", "4", "-o", dir.File("caesar.shira"), "--json");
        Assert.True(exit == 0, error.ToString());
        Assert.Contains(cli.Context.Assemblies, a => a.GetName().Name == "TorchSharp");
        var json = JsonNode.Parse(output.ToString())!;
        Assert.Equal("shira-struct", (string?)json["method"]);
        Assert.Equal(3, (int)json["steps"]!);
        Assert.Equal(Jobs.TrainRequest.DefaultLearningRate("shira"), (double)json["learning_rate"]!); // no --lr: the library's
        Assert.Equal(4, (int)json["eval"]!["examples"]!);
        Assert.Equal("1.0", (string?)json["schema_version"]);
        Assert.True(File.Exists(dir.File("caesar.shira")));
        Assert.True(File.Exists(dir.File("base.safetensors")));
        Assert.Contains("train step 3/3", error.ToString());

        // A bad combination is a usage error (exit 2) with a message, not a stack trace.
        var err2 = new StringWriter();
        Assert.Equal(2, cli.Run(new StringWriter(), err2, "train", "--task", "caesar", "-o", dir.File("x.shira")));
        Assert.Contains("--base", err2.ToString());
    }

    [Fact]
    public async Task Shira_train_runs_shira_train_next_to_it_with_the_same_arguments()
    {
        // The build puts shira.dll beside shira-train here, as `dotnet publish` of both into one folder does.
        string bin = AppContext.BaseDirectory;
        Assert.True(File.Exists(Path.Combine(bin, "shira.dll")), "shira.dll is not next to shira-train.dll");
        using var dir = new TempDir();
        var start = new ProcessStartInfo(DotnetHost()) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var a in new[]
                 {
                     Path.Combine(bin, "shira.dll"), "train", "--init", "tiny", "--pretrain-steps", "2",
                     "--save-base", dir.File("base.safetensors"), "--task", "reverse", "--budget", "lora:1", "--steps", "2",
                     "--batch", "4", "--examples", "16", "--eval", "0", "-o", dir.File("reverse.shira"), "--json",
                 })
            start.ArgumentList.Add(a);
        start.Environment.Remove("SHIRA_TRAIN");
        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync().WaitAsync(TimeSpan.FromMinutes(5));
        string output = await stdout, errors = await stderr;
        Assert.True(process.ExitCode == 0, errors + output);
        var json = JsonNode.Parse(output)!;
        Assert.Equal("shira-rand", (string?)json["method"]);
        Assert.True(File.Exists(dir.File("reverse.shira")));

        // The tool's exit code comes back through shira: a usage error of shira-train is shira's exit 2.
        var bad = new ProcessStartInfo(DotnetHost()) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var a in new[] { Path.Combine(bin, "shira.dll"), "train", "--task", "nope", "-o", dir.File("x.shira") }) bad.ArgumentList.Add(a);
        bad.Environment.Remove("SHIRA_TRAIN");
        using var badProcess = Process.Start(bad)!;
        string badErr = await badProcess.StandardError.ReadToEndAsync();
        await badProcess.WaitForExitAsync();
        Assert.Equal(2, badProcess.ExitCode);
        Assert.Contains("SHIRA-E", badErr);
    }

    private static string DotnetHost() =>
        Environment.ProcessPath is { } p && Path.GetFileNameWithoutExtension(p) == "dotnet" ? p : "dotnet";

    /// <summary>The tool loaded into a private context: assemblies next to the test binary load there,
    /// framework assemblies are shared, so what it loads is visible regardless of other tests in this process.</summary>
    private sealed class IsolatedCli
    {
        private readonly Assembly _cli;

        public IsolatedCli()
        {
            Context = new ProbingContext(AppContext.BaseDirectory);
            _cli = Context.LoadFromAssemblyPath(Path.Combine(AppContext.BaseDirectory, "shira-train.dll"));
        }

        public AssemblyLoadContext Context { get; }

        public int Run(params string[] args) => Run(new StringWriter(), new StringWriter(), args);

        public int Run(TextWriter output, TextWriter error, params string[] args)
        {
            using var console = (IDisposable)Invoke("Shira.Cli.Infrastructure.CliConsole", "Use", output, error)!;
            return (int)Invoke("Shira.Training.Cli.Program", "Run", [args])!;
        }

        private object? Invoke(string type, string method, params object?[] args) =>
            (_cli.GetType(type, throwOnError: true)!.GetMethod(method, BindingFlags.Static | BindingFlags.Public | BindingFlags.NonPublic)
                ?? throw new MissingMethodException(type, method)).Invoke(null, args);
    }

    private sealed class ProbingContext(string directory) : AssemblyLoadContext("shira-train-isolated", isCollectible: false)
    {
        protected override Assembly? Load(AssemblyName name)
        {
            var path = Path.Combine(directory, name.Name + ".dll");
            return File.Exists(path) ? LoadFromAssemblyPath(path) : null;
        }
    }
}
