using System.Diagnostics.CodeAnalysis;

namespace Shira.Format;

/// <summary>Throw helpers for a caller's mistakes (an argument no file could have produced). Those are .NET argument
/// exceptions; <see cref="ShiraException"/> is kept for bytes that are wrong. Separate methods keep hot paths small.</summary>
internal static class ArgumentErrors
{
    /// <summary>Throws an <see cref="ArgumentException"/>.</summary>
    [DoesNotReturn]
    public static void Throw(string message, string? paramName = null) => throw new ArgumentException(message, paramName);

    /// <summary>Throws an <see cref="ArgumentOutOfRangeException"/>.</summary>
    [DoesNotReturn]
    public static void OutOfRange(string paramName, string message) => throw new ArgumentOutOfRangeException(paramName, message);

    /// <summary>An <see cref="ArgumentException"/> about a tensor of the call, for <c>throw ArgumentErrors.ForTensor(...)</c>.</summary>
    public static ArgumentException ForTensor(string message, string? tensor) =>
        new(tensor is null || message.Contains(tensor, StringComparison.Ordinal) ? message : $"tensor '{tensor}': {message}");
}
