using System.CommandLine;
using System.CommandLine.Parsing;
using System.Text.RegularExpressions;

namespace Shira.Cli.Infrastructure;

/// <summary>
/// Turns System.CommandLine's parse errors into the lines <c>shira</c> prints: one line per problem that names the
/// option or word, the value given and what is accepted, with a suggestion for a mistyped command or option, and
/// never a .NET type name.
/// </summary>
internal static partial class ParseErrors
{
    /// <summary>The error lines of a failed parse (at least one).</summary>
    public static List<string> Describe(ParseResult parse)
    {
        var lines = new List<string>();
        var command = parse.CommandResult.Command;
        string path = CommandPath(parse.CommandResult);
        // The first word nothing matched explains the failure; later ones are usually its value ("--denisty 0.5").
        string? unmatched = parse.UnmatchedTokens.Count > 0 ? parse.UnmatchedTokens[0] : null;
        if (unmatched is not null) lines.Add(DescribeUnmatched(unmatched, command, path, parse.RootCommandResult.Command));
        foreach (var e in parse.Errors)
        {
            if (parse.UnmatchedTokens.Any(t => e.Message.Contains("'" + t + "'", StringComparison.Ordinal))) continue;
            // "shira valdate": the unknown word already says what is wrong; "a command is required" would only repeat it.
            if (unmatched is not null && RequiredCommand().IsMatch(e.Message)) continue;
            string line = Rewrite(e.Message, command);
            if (!lines.Contains(line)) lines.Add(line);
        }
        if (lines.Count == 0) lines.Add("the command line could not be parsed");
        return lines;
    }

    /// <summary>The closest of <paramref name="candidates"/> to a mistyped <paramref name="word"/>, or null when none
    /// is close (at most two edits, fewer than half the word, or a unique prefix).</summary>
    public static string? Suggest(string word, IEnumerable<string> candidates)
    {
        string? best = null;
        int bestDistance = int.MaxValue;
        var prefixed = new List<string>();
        foreach (var c in candidates.Distinct())
        {
            if (word.Length >= 2 && c.StartsWith(word, StringComparison.OrdinalIgnoreCase)) prefixed.Add(c);
            int d = Distance(word.ToLowerInvariant(), c.ToLowerInvariant());
            if (d < bestDistance) { bestDistance = d; best = c; }
        }
        int allowed = Math.Min(2, Math.Max(1, word.TrimStart('-').Length / 3));
        if (best is not null && bestDistance <= allowed) return best;
        return prefixed.Count == 1 ? prefixed[0] : null;
    }

    private static string DescribeUnmatched(string token, Command command, string path, Command root)
    {
        if (token.StartsWith('-'))
        {
            var names = Options(command, root).SelectMany(o => o.Aliases.Prepend(o.Name)).Where(n => n.StartsWith("--", StringComparison.Ordinal));
            string? option = Suggest(token, names);
            return $"unknown option '{token}' for '{path}'" + (option is null ? "" : $"; did you mean '{option}'?");
        }
        if (command.Subcommands.Count > 0)
        {
            var names = command.Subcommands.Select(c => c.Name).ToList();
            string? suggestion = Suggest(token, names);
            return $"unknown command '{token}'" + (path == "shira" ? "" : $" for '{path}'") +
                (suggestion is not null ? $"; did you mean '{suggestion}'?" : "; expected one of " + string.Join(", ", names));
        }
        return $"unexpected argument '{token}' for '{path}' (see 'shira {(path == "shira" ? "" : path[6..] + " ")}--help')";
    }

    private static IEnumerable<Option> Options(Command command, Command root) =>
        command.Options.Concat(root.Options.Where(o => o.Recursive));

    // System.CommandLine's own messages for the cases our parsers do not cover, in our words.
    private static string Rewrite(string message, Command command)
    {
        var m = CannotParse().Match(message);
        if (m.Success)
            return CliOptions.BadValue(m.Groups["symbol"].Value, m.Groups["value"].Value, "is not valid", Friendly(m.Groups["type"].Value));
        if (RequiredCommand().IsMatch(message))
            return "a command is required; expected one of " + string.Join(", ", command.Subcommands.Select(c => c.Name));
        return TypeName().Replace(message, t => Friendly(t.Value));
    }

    private static string Friendly(string typeName) => typeName switch
    {
        _ when typeName.Contains("Int", StringComparison.Ordinal) => "a whole number (e.g. 300)",
        _ when typeName.Contains("Double", StringComparison.Ordinal) || typeName.Contains("Single", StringComparison.Ordinal)
            => "a decimal number with '.' as the decimal point (e.g. 0.5)",
        _ when typeName.Contains("Boolean", StringComparison.Ordinal) => "true or false",
        _ => "a valid value",
    };

    private static string CommandPath(CommandResult result)
    {
        var names = new List<string>();
        for (SymbolResult? r = result; r is CommandResult c; r = c.Parent)
            names.Add(c.Command is RootCommand ? "shira" : c.Command.Name);
        names.Reverse();
        return string.Join(' ', names);
    }

    // Optimal string alignment distance (Levenshtein plus adjacent transpositions: "inspcet" is one edit from "inspect").
    private static int Distance(string a, string b)
    {
        var d = new int[a.Length + 1, b.Length + 1];
        for (int i = 0; i <= a.Length; i++) d[i, 0] = i;
        for (int j = 0; j <= b.Length; j++) d[0, j] = j;
        for (int i = 1; i <= a.Length; i++)
            for (int j = 1; j <= b.Length; j++)
            {
                int cost = a[i - 1] == b[j - 1] ? 0 : 1;
                d[i, j] = Math.Min(Math.Min(d[i - 1, j] + 1, d[i, j - 1] + 1), d[i - 1, j - 1] + cost);
                if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1]) d[i, j] = Math.Min(d[i, j], d[i - 2, j - 2] + 1);
            }
        return d[a.Length, b.Length];
    }

    [GeneratedRegex(@"^Cannot parse argument '(?<value>.*)' for (?:option|command|argument) '(?<symbol>[^']*)' as expected type '(?<type>[^']*)'\.?$")]
    private static partial Regex CannotParse();

    [GeneratedRegex(@"^Required command was not provided\.?$")]
    private static partial Regex RequiredCommand();

    [GeneratedRegex(@"System\.[A-Za-z0-9_.`]+(\[[^\]]*\])?")]
    private static partial Regex TypeName();
}
