using System.Text.RegularExpressions;
using Shira.Format;

namespace Shira.Convert.Peft;

/// <summary>
/// PEFT's <c>get_pattern_key</c>: a <c>rank_pattern</c>/<c>alpha_pattern</c> key applies to a module when
/// <c>re.match(rf"(.*\.)?({key})$", module)</c> succeeds; keys are tried in file order and the first match wins.
/// </summary>
internal static class PeftPatterns
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(1);

    /// <summary>True when <paramref name="key"/> names <paramref name="module"/> the way PEFT matches it.</summary>
    public static bool Matches(string key, string module)
    {
        try
        {
            // Python's re.match anchors at the start; "$" anchors at the end. Keys are regex fragments in PEFT too.
            return Regex.IsMatch(module, "^(?:.*\\.)?(?:" + key + ")$", RegexOptions.CultureInvariant, Timeout);
        }
        catch (RegexMatchTimeoutException)
        {
            throw ShiraErrors.PeftBadConfig($"pattern key \"{key}\" takes too long to match \"{module}\"");
        }
        catch (ArgumentException e)
        {
            throw ShiraErrors.PeftBadConfig($"pattern key \"{key}\" is not a valid regular expression: {e.Message}");
        }
    }

    /// <summary>The value of the first matching key, or <paramref name="fallback"/>.</summary>
    public static T Lookup<T>(IReadOnlyList<KeyValuePair<string, T>> patterns, string module, T fallback)
    {
        foreach (var p in patterns)
            if (Matches(p.Key, module)) return p.Value;
        return fallback;
    }
}
