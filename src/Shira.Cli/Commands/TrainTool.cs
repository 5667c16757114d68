namespace Shira.Cli.Commands;

/// <summary>
/// Where the training tool <c>shira-train</c> lives: an executable (an app host or a native binary) run as is, or a
/// framework-dependent <c>shira-train.dll</c> run through <c>dotnet</c>.
/// </summary>
/// <param name="FileName">The program to start.</param>
/// <param name="PrefixArguments">Arguments before the command (the dll for <c>dotnet</c>).</param>
internal sealed record TrainTool(string FileName, IReadOnlyList<string> PrefixArguments)
{
    /// <summary>The tool's command name (its package is <c>Shira.Training.Cli</c>).</summary>
    public const string Name = "shira-train";

    /// <summary>Environment variable naming the tool explicitly (an executable or <c>shira-train.dll</c>).</summary>
    public const string EnvironmentVariable = "SHIRA_TRAIN";

    private static string ExecutableName => OperatingSystem.IsWindows() ? Name + ".exe" : Name;

    /// <summary>The folders searched, in order: where <c>shira</c> itself is (its assembly folder and its
    /// executable's folder, which differ for installed tools), then every PATH entry.</summary>
    public static IReadOnlyList<(string Directory, bool NextToShira)> DefaultSearch()
    {
        var dirs = new List<(string, bool)> { (AppContext.BaseDirectory, true) };
        if (Path.GetDirectoryName(Environment.ProcessPath) is { Length: > 0 } exe) dirs.Add((exe, true));
        foreach (var d in (Environment.GetEnvironmentVariable("PATH") ?? "").Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries))
            dirs.Add((d, false));
        return dirs;
    }

    /// <summary>The tool named by <see cref="EnvironmentVariable"/> when set, otherwise the first found in
    /// <paramref name="search"/>: an executable <c>shira-train</c>, or (next to <c>shira</c> only, where a build
    /// or publish puts it) <c>shira-train.dll</c>. Null when none is found.</summary>
    public static TrainTool? Find(IReadOnlyList<(string Directory, bool NextToShira)> search, string? explicitPath = null)
    {
        explicitPath ??= Environment.GetEnvironmentVariable(EnvironmentVariable);
        if (!string.IsNullOrEmpty(explicitPath))
        {
            if (!File.Exists(explicitPath)) return null;
            return explicitPath.EndsWith(".dll", StringComparison.OrdinalIgnoreCase) ? ThroughDotnet(explicitPath) : new TrainTool(explicitPath, []);
        }
        foreach (var (dir, nextToShira) in search)
        {
            string exe = Path.Combine(dir, ExecutableName);
            if (File.Exists(exe) && IsExecutable(exe)) return new TrainTool(exe, []);
            string dll = Path.Combine(dir, Name + ".dll");
            if (nextToShira && File.Exists(dll)) return ThroughDotnet(dll);
        }
        return null;
    }

    /// <summary>What to tell a user who has no training tool.</summary>
    public static string MissingMessage()
    {
        string hint = Environment.GetEnvironmentVariable(EnvironmentVariable) is { Length: > 0 } set
            ? $"{EnvironmentVariable} is set to '{set}', which does not exist"
            : $"it was not found next to shira ({AppContext.BaseDirectory.TrimEnd(Path.DirectorySeparatorChar)}) or on PATH";
        return $"`shira train` runs the separate training tool {Name} (TorchSharp), and {hint}. Install it with one of:" + Environment.NewLine +
            "  dotnet pack src/Shira.Training.Cli -c Release -o feed && dotnet tool install --global Shira.Training.Cli --add-source feed" + Environment.NewLine +
            "  dotnet publish src/Shira.Training.Cli -c Release -o DIR     (DIR = the folder holding shira, or any folder on PATH)" + Environment.NewLine +
            $"  or set {EnvironmentVariable} to a {Name} executable or {Name}.dll; from a clone, `dotnet run --project src/Shira.Training.Cli -- train …` also works.";
    }

    private static TrainTool ThroughDotnet(string dll)
    {
        // Under `dotnet shira.dll` reuse that host; otherwise the one on PATH.
        string host = Environment.ProcessPath is { } p && Path.GetFileNameWithoutExtension(p) == "dotnet" ? p : "dotnet";
        return new TrainTool(host, [dll]);
    }

    private static bool IsExecutable(string path) =>
        OperatingSystem.IsWindows() || (File.GetUnixFileMode(path) & (UnixFileMode.UserExecute | UnixFileMode.GroupExecute | UnixFileMode.OtherExecute)) != 0;
}
