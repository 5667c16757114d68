using System.CommandLine;
using System.CommandLine.Parsing;
using System.Globalization;

namespace Shira.Cli.Infrastructure;

/// <summary>
/// Options shared by the commands, with parsers that accept one spelling on every machine: numbers are read in the
/// invariant culture ('.' as the decimal point; <c>0,5</c> is refused, never read as 5). Every parse error is one line
/// that names the option, the value given and what is accepted.
/// </summary>
internal static class CliOptions
{
    /// <summary>The name of the global <c>--json</c> option.</summary>
    public const string JsonName = "--json";
    /// <summary>The name of the global <c>--quiet</c> option.</summary>
    public const string QuietName = "--quiet";

    /// <summary><c>--json</c>, on the root and every command below it.</summary>
    public static Option<bool> Json() => new(JsonName)
    {
        Description = "Print one JSON object (schema: spec/schemas/COMMAND.schema.json) instead of tables; errors too",
        Recursive = true,
    };

    /// <summary><c>--quiet</c>/<c>-q</c>, on the root and every command below it.</summary>
    public static Option<bool> Quiet() => new(QuietName, "-q")
    {
        Description = "No progress, warnings or tables (errors and --json output still print; the exit code tells the result)",
        Recursive = true,
    };

    /// <summary><c>-o</c>/<c>--output</c>.</summary>
    public static Option<string> Output(string description) => new("--output", "-o") { Description = description, Required = true };

    /// <summary><c>--force</c>: let <c>-o</c> replace an existing output.</summary>
    public static Option<bool> Force() => new("--force") { Description = "Replace the output if it exists (without it, an existing -o is refused)" };

    /// <summary>A fraction in (0, 1] such as <c>--density 0.05</c>.</summary>
    public static Option<double?> Fraction(string name, string description) => new(name)
    {
        Description = description,
        CustomParser = r =>
        {
            string text = Single(r);
            const string Accepted = "a decimal number greater than 0 and at most 1, with '.' as the decimal point (e.g. 0.05)";
            if (!TryParseReal(text, out double v)) return Fail<double?>(r, name, text, "is not a number", Accepted);
            if (!(v > 0 && v <= 1)) return Fail<double?>(r, name, text, "is out of range", Accepted);
            return v;
        },
    };

    /// <summary>A finite scale such as <c>--scale 0.5</c> (default 1).</summary>
    public static Option<float> Scale(string description) => new("--scale")
    {
        Description = description,
        DefaultValueFactory = _ => 1f,
        CustomParser = r =>
        {
            string text = Single(r);
            const string Accepted = "a finite decimal number with '.' as the decimal point (e.g. 0.5 or -1)";
            if (!TryParseReal(text, out double v) || !float.IsFinite((float)v)) return Fail<float>(r, "--scale", text, "is not a finite number", Accepted);
            return (float)v;
        },
    };

    /// <summary>A comma-separated list of finite numbers such as <c>--weights 1,0.5</c>.</summary>
    public static Option<float[]?> Reals(string name, string description) => new(name)
    {
        Description = description,
        CustomParser = r =>
        {
            string text = Single(r);
            var parts = text.Split(',', StringSplitOptions.TrimEntries);
            var values = new float[parts.Length];
            for (int i = 0; i < parts.Length; i++)
                if (!TryParseReal(parts[i], out double v) || !float.IsFinite((float)v))
                    return Fail<float[]?>(r, name, text, $"has '{parts[i]}', which is not a finite number",
                        "comma-separated decimal numbers with '.' as the decimal point (e.g. 1,0.5)");
                else values[i] = (float)v;
            return values;
        },
    };

    /// <summary>One word out of <paramref name="accepted"/> (case-insensitive); the value is the accepted spelling.</summary>
    public static Option<string?> Choice(string name, string description, params string[] accepted) => new(name)
    {
        Description = description,
        CustomParser = r =>
        {
            string text = Single(r);
            foreach (var a in accepted)
                if (string.Equals(a, text, StringComparison.OrdinalIgnoreCase)) return a;
            return Fail<string?>(r, name, text, "is not accepted", (accepted.Length == 1 ? "only " : "one of ") + string.Join(", ", accepted));
        },
    };

    /// <summary>Parses a real number the same way on every machine: optional sign, digits, '.', exponent; no group
    /// separators, no culture. NaN and infinities parse (callers that need finite values check).</summary>
    public static bool TryParseReal(string text, out double value) =>
        double.TryParse(text, NumberStyles.AllowLeadingSign | NumberStyles.AllowDecimalPoint | NumberStyles.AllowExponent,
            CultureInfo.InvariantCulture, out value);

    /// <summary>The one-line message of a bad option value.</summary>
    public static string BadValue(string option, string value, string problem, string accepted) =>
        $"{option}: '{value}' {problem}; expected {accepted}";

    private static string Single(ArgumentResult r) => r.Tokens.Count > 0 ? r.Tokens[^1].Value : "";

    private static T Fail<T>(ArgumentResult r, string option, string value, string problem, string accepted)
    {
        r.AddError(BadValue(option, value, problem, accepted));
        return default!;
    }
}
