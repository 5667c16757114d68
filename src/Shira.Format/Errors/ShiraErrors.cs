namespace Shira.Format;

/// <summary>
/// The only way to make a <see cref="ShiraException"/>: one factory per <see cref="ShiraErrorCode"/>, named after it,
/// whose message is the code's fixed lead phrase followed by the site's specifics (<c>bad shape: rank 5 is not in
/// [1, 4]</c>), so the same code always reads the same way. Grouped by area in the <c>ShiraErrors.*.cs</c> partials.
/// A wrong call (an argument no file could have produced) is an <see cref="ArgumentException"/> instead.
/// </summary>
public static partial class ShiraErrors
{
    private static ShiraException Create(ShiraErrorCode code, string lead, string detail, string? file, string? tensor, long? offset) =>
        new(code, lead + ": " + detail, file, tensor, offset);

    /// <summary>The same error found inside a part (a section, the manifest, a decoded block) reported at its place in
    /// the file: same code and message (with <paramref name="where"/> appended), <paramref name="file"/> and
    /// <paramref name="offset"/> filled in, and the original kept as the inner exception.</summary>
    internal static ShiraException Relocate(ShiraException e, string? file, string? tensor, long? offset, string? where = null) =>
        new(e.Code, where is null ? e.Message : $"{e.Message} (in {where})", file, tensor, offset, e);
}
