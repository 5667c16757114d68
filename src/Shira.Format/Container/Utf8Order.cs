namespace Shira.Format.Container;

/// <summary>
/// The canonical order of names and keys: unsigned lexicographic order of their UTF-8 bytes, which equals
/// Unicode code point order (unlike <see cref="StringComparer.Ordinal"/>, which compares UTF-16 code units and
/// differs for characters above U+FFFF). For ASCII names both orders agree.
/// </summary>
internal sealed class Utf8Order : IComparer<string>
{
    /// <summary>The comparer.</summary>
    public static Utf8Order Instance { get; } = new();

    private Utf8Order() { }

    /// <inheritdoc />
    public int Compare(string? x, string? y)
    {
        if (ReferenceEquals(x, y)) return 0;
        if (x is null) return -1;
        if (y is null) return 1;
        var ex = x.EnumerateRunes();
        var ey = y.EnumerateRunes();
        while (true)
        {
            bool hx = ex.MoveNext(), hy = ey.MoveNext();
            if (!hx || !hy) return hx == hy ? 0 : hx ? 1 : -1;
            int c = ex.Current.Value.CompareTo(ey.Current.Value);
            if (c != 0) return c;
        }
    }

    /// <summary>True when <paramref name="s"/> has no unpaired surrogate, so it survives a UTF-8 round trip.</summary>
    public static bool IsWellFormed(string s)
    {
        for (int i = 0; i < s.Length; i++)
        {
            char c = s[i];
            if (char.IsHighSurrogate(c))
            {
                if (i + 1 < s.Length && char.IsLowSurrogate(s[i + 1])) { i++; continue; }
                return false;
            }
            if (char.IsLowSurrogate(c)) return false;
        }
        return true;
    }
}
