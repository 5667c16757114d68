using System.CommandLine;
using System.CommandLine.Parsing;
using System.Globalization;
using Shira.Cli.Infrastructure;

namespace Shira.Training.Cli.Serving;

/// <summary>The repeatable <c>--adapter FILE [--scale S]</c> pair of generate and eval: a <c>--scale</c> belongs to
/// the <c>--adapter</c> before it, so the pairing follows the command line's order.</summary>
internal static class AdapterOptions
{
    public static Option<string[]> Adapter() => new("--adapter")
    {
        Description = "A .shira adapter to apply (repeat for several: each is switched in turn, in one process)",
        Arity = ArgumentArity.ZeroOrMore,
    };

    public static Option<float[]> Scale() => new("--scale")
    {
        Description = "Scale of the --adapter before it (default 1)",
        Arity = ArgumentArity.ZeroOrMore,
    };

    /// <summary>The adapters in command-line order with their scales.</summary>
    public static IReadOnlyList<AdapterChoice> Read(ParseResult result)
    {
        var list = new List<AdapterChoice>();
        var tokens = result.Tokens;
        for (int i = 0; i < tokens.Count; i++)
        {
            var t = tokens[i];
            if (t.Type != TokenType.Option) continue;
            if (t.Value == "--adapter")
            {
                if (i + 1 >= tokens.Count) throw new UsageException("--adapter needs a file");
                list.Add(new AdapterChoice(tokens[++i].Value, 1f));
            }
            else if (t.Value == "--scale")
            {
                if (list.Count == 0) throw new UsageException("--scale must follow the --adapter it applies to");
                if (i + 1 >= tokens.Count || !float.TryParse(tokens[++i].Value, NumberStyles.Float, CultureInfo.InvariantCulture, out float s) || !float.IsFinite(s))
                    throw new UsageException("--scale needs a finite number");
                list[^1] = list[^1] with { Scale = s };
            }
        }
        return list;
    }
}
