using System.Globalization;

namespace Shira.Cli.Infrastructure;

/// <summary>How numbers look in human output: invariant culture everywhere, density always as a percentage.</summary>
internal static class TextFormat
{
    /// <summary>An integer with no grouping (so it survives copy and paste and <c>cut</c>).</summary>
    public static string Integer(long value) => value.ToString(CultureInfo.InvariantCulture);

    /// <summary>A real number with up to six significant digits.</summary>
    public static string Real(double value) => value.ToString("G6", CultureInfo.InvariantCulture);

    /// <summary>A fraction of entries (density) as a percentage: <c>5.03%</c>, <c>0.00012%</c>, <c>100%</c>. The one
    /// spelling of density in human output; JSON carries the fraction itself.</summary>
    public static string Density(double fraction)
    {
        double percent = fraction * 100;
        string text = percent == 0 || Math.Abs(percent) >= 0.001
            ? percent.ToString("0.###", CultureInfo.InvariantCulture)
            : percent.ToString("0.###E+0", CultureInfo.InvariantCulture);
        return text + "%";
    }

    /// <summary>A shape as <c>[4096, 11008]</c>.</summary>
    public static string Shape(IEnumerable<long> shape) => "[" + string.Join(", ", shape.Select(Integer)) + "]";

    /// <summary>Any value of a summary line.</summary>
    public static string Value(object? value) => value switch
    {
        null => "",
        string s => s,
        bool b => b ? "yes" : "no",
        double d => Real(d),
        float f => Real(f),
        long l => Integer(l),
        int i => Integer(i),
        IFormattable f => f.ToString(null, CultureInfo.InvariantCulture),
        _ => value.ToString() ?? "",
    };
}
