using System.Text.RegularExpressions;
using Shira.Format;

namespace Shira.Cli.Infrastructure;

/// <summary>The <c>-o</c> rules every writing command shares: never overwrite without <c>--force</c>, and name the
/// user's output (not an internal temporary file) when writing it fails.</summary>
internal static partial class OutputPaths
{
    /// <summary>Refuses an existing <paramref name="path"/> unless <paramref name="force"/>; remembers it as the
    /// invocation's output. Returns the path.</summary>
    public static string ClaimFile(string path, bool force)
    {
        CliConsole.Current.OutputPath = path;
        if (!force && (File.Exists(path) || Directory.Exists(path)))
            throw Exists(path, "it exists");
        return path;
    }

    /// <summary>Like <see cref="ClaimFile"/> for an output folder: an existing empty folder is fine; one that already
    /// holds any of <paramref name="files"/> is refused unless <paramref name="force"/>.</summary>
    public static string ClaimFolder(string path, bool force, params string[] files)
    {
        CliConsole.Current.OutputPath = path;
        if (force) return path;
        if (File.Exists(path)) throw Exists(path, "it is an existing file");
        foreach (var f in files)
            if (File.Exists(Path.Combine(path, f))) throw Exists(path, $"it already holds {f}");
        return path;
    }

    /// <summary>Replaces every temporary-file path in an error message (writers use sibling <c>*.tmp</c> files) by the
    /// output the user named; unchanged when the command claimed no output.</summary>
    public static string Scrub(string message)
    {
        string? output = CliConsole.Current.OutputPath;
        return output is null ? message : TempPath().Replace(message, output.Replace("$", "$$", StringComparison.Ordinal));
    }

    private static ShiraException Exists(string path, string why) =>
        ShiraErrors.OutputExists($"refusing to overwrite '{path}': {why}; add --force to replace it", path);

    // A path-like token ending in .tmp (".out.shira.0123456789ab.tmp", "out.1234.tmp", or with a directory).
    [GeneratedRegex(@"[^\s'""]*\.tmp\b")]
    private static partial Regex TempPath();
}
