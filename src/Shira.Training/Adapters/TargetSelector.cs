using System.Text.RegularExpressions;
using Shira.Format;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Shira.Training;

/// <summary>
/// Finds the linear layers an adapter targets, with PEFT's <c>target_modules</c> rules: a name in
/// the suffix list matches a module whose dotted name equals it or ends with <c>"." + name</c>; a
/// regex must match the whole module name. Only <see cref="Linear"/> modules are adapted.
/// </summary>
public static class TargetSelector
{
    /// <summary>The matching linear modules of <paramref name="model"/>, in <c>named_modules()</c> order.
    /// Throws <see cref="ArgumentException"/> when none are given or nothing matches.</summary>
    public static IReadOnlyList<(string Name, Linear Module)> Find(nn.Module model, IReadOnlyList<string> suffixes, string? regex)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(suffixes);
        if (suffixes.Count == 0 && string.IsNullOrEmpty(regex))
            throw new ArgumentException("no target modules given (names or a regex)");
        Regex? re = string.IsNullOrEmpty(regex) ? null : new Regex("^(?:" + regex + ")$", RegexOptions.CultureInvariant);
        var found = new List<(string, Linear)>();
        foreach (var (name, module) in model.named_modules())
        {
            if (module is not Linear linear || !Matches(name, suffixes, re)) continue;
            found.Add((name, linear));
        }
        if (found.Count == 0)
            throw new ArgumentException($"no linear module matches the targets ({string.Join(", ", suffixes)}{(re is null ? "" : " /" + regex + "/")})");
        return found;
    }

    /// <summary>Whether a dotted module name matches the suffix list or the (whole-name) regex.</summary>
    public static bool Matches(string name, IReadOnlyList<string> suffixes, Regex? regex)
    {
        ArgumentNullException.ThrowIfNull(name);
        ArgumentNullException.ThrowIfNull(suffixes);
        if (regex is not null && regex.IsMatch(name)) return true;
        foreach (var s in suffixes)
            if (name == s || name.EndsWith("." + s, StringComparison.Ordinal)) return true;
        return false;
    }
}
