using System.Reflection;
using System.Runtime.Loader;
using System.Text.Json.Nodes;
using Shira.Testing;

namespace Shira.Cli.Tests;

/// <summary>
/// Only <c>shira train</c> may load TorchSharp (libtorch is large and slow to load). Each test loads the CLI into
/// its own <see cref="AssemblyLoadContext"/>, so what it loads is visible regardless of what other tests in this
/// process have loaded, and asserts on that context's assemblies.
/// </summary>
public sealed class TrainIsolationTests
{
    [Fact]
    public void Building_the_command_tree_and_asking_for_help_does_not_load_TorchSharp()
    {
        var cli = new IsolatedCli();
        cli.Invoke("Shira.Cli.Program", "BuildRoot");
        cli.Invoke("Shira.Cli.Commands.TrainCommand", "Create");
        Assert.Equal(0, cli.Run("--help"));
        Assert.Equal(0, cli.Run("train", "--help"));
        Assert.Contains(cli.Context.Assemblies, a => a.GetName().Name == "Shira.Training"); // reachable, but…
        Assert.DoesNotContain(cli.Context.Assemblies, a => a.GetName().Name == "TorchSharp"); // …libtorch is not loaded
    }

    [Fact]
    public void Running_train_loads_TorchSharp_and_writes_the_adapter()
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

    /// <summary>The CLI loaded into a private context: assemblies next to the test binary load there,
    /// framework assemblies are shared.</summary>
    private sealed class IsolatedCli
    {
        private readonly Assembly _cli;

        public IsolatedCli()
        {
            Context = new ProbingContext(AppContext.BaseDirectory);
            _cli = Context.LoadFromAssemblyPath(Path.Combine(AppContext.BaseDirectory, "shira.dll"));
        }

        public AssemblyLoadContext Context { get; }

        public object? Invoke(string type, string method, params object?[] args) =>
            (_cli.GetType(type, throwOnError: true)!.GetMethod(method, BindingFlags.Static | BindingFlags.Public | BindingFlags.NonPublic)
                ?? throw new MissingMethodException(type, method)).Invoke(null, args);

        public int Run(params string[] args) => Run(new StringWriter(), new StringWriter(), args);

        public int Run(TextWriter output, TextWriter error, params string[] args)
        {
            using var console = (IDisposable)Invoke("Shira.Cli.Infrastructure.CliConsole", "Use", output, error)!;
            var parse = Invoke("Shira.Cli.Program", "Run", [args]);
            return (int)parse!;
        }
    }

    private sealed class ProbingContext(string directory) : AssemblyLoadContext("shira-cli-isolated", isCollectible: false)
    {
        protected override Assembly? Load(AssemblyName name)
        {
            var path = Path.Combine(directory, name.Name + ".dll");
            return File.Exists(path) ? LoadFromAssemblyPath(path) : null;
        }
    }
}
