using System.Globalization;

namespace Shira.Format;

/// <summary>
/// The one exception type of the toolkit: every format, conversion and runtime error carries a stable
/// <see cref="ShiraErrorCode"/>, and where known the file, tensor and byte offset it concerns.
/// </summary>
public sealed class ShiraException : Exception
{
    // Internal: the factories in ShiraErrors (one per code) are the only way to make one, so messages cannot drift.
    internal ShiraException(ShiraErrorCode code, string message, string? file = null, string? tensor = null,
        long? offset = null, Exception? inner = null)
        : base(message, inner)
    {
        Code = code;
        FilePath = file;
        Tensor = tensor;
        Offset = offset;
    }

    /// <summary>The stable error code.</summary>
    public ShiraErrorCode Code { get; }

    /// <summary>The file the error concerns, if any.</summary>
    public string? FilePath { get; private set; }

    /// <summary>The tensor the error concerns, if any.</summary>
    public string? Tensor { get; }

    /// <summary>The byte offset in <see cref="FilePath"/> where the problem was found, if known.</summary>
    public long? Offset { get; }

    /// <summary>The code as printed: <c>SHIRA-E3003</c>.</summary>
    public string CodeString => FormatCode(Code);

    /// <summary>Formats a code as <c>SHIRA-Ennnn</c>.</summary>
    public static string FormatCode(ShiraErrorCode code) =>
        "SHIRA-E" + ((int)code).ToString("D4", CultureInfo.InvariantCulture);

    /// <summary>Returns this exception with the file path filled in when it was not known where it was thrown.</summary>
    public ShiraException WithFile(string file)
    {
        FilePath ??= file;
        return this;
    }

    /// <summary>One line for users: code, location, message.</summary>
    public override string ToString() => FormatLine(Code, Message, FilePath, Tensor, Offset);

    /// <summary>The one-line form of <see cref="ToString"/> for an error reported without an exception (a validation
    /// issue, a command-line error): <c>SHIRA-E3003 [file, tensor 'x', offset 64]: message</c>.</summary>
    public static string FormatLine(ShiraErrorCode code, string message, string? file = null, string? tensor = null, long? offset = null)
    {
        var where = new List<string>(3);
        if (file is not null) where.Add(file);
        if (tensor is not null) where.Add("tensor '" + tensor + "'");
        if (offset is not null) where.Add("offset " + offset.Value.ToString(CultureInfo.InvariantCulture));
        return where.Count == 0 ? $"{FormatCode(code)}: {message}" : $"{FormatCode(code)} [{string.Join(", ", where)}]: {message}";
    }
}
