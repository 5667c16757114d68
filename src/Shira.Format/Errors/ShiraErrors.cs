using System.Diagnostics.CodeAnalysis;

namespace Shira.Format;

/// <summary>Throw helpers that keep hot paths small and messages consistent.</summary>
public static class ShiraErrors
{
    /// <summary>Throws a <see cref="ShiraException"/>.</summary>
    [DoesNotReturn]
    public static void Throw(ShiraErrorCode code, string message, string? file = null, string? tensor = null, long? offset = null)
        => throw new ShiraException(code, message, file, tensor, offset);

    /// <summary>Creates (does not throw) a <see cref="ShiraException"/>, for <c>throw ShiraErrors.Create(...)</c>.</summary>
    public static ShiraException Create(ShiraErrorCode code, string message, string? file = null, string? tensor = null, long? offset = null)
        => new(code, message, file, tensor, offset);

    /// <summary>Wraps an I/O failure on <paramref name="file"/>.</summary>
    public static ShiraException Io(string file, Exception inner)
        => new(ShiraErrorCode.IoError, $"cannot access '{file}': {inner.Message}", file, null, null, inner);
}
