using Shira.Format;

namespace Shira.Cli.Infrastructure;

/// <summary>The process exit codes every command shares.</summary>
internal static class ExitCodes
{
    /// <summary>Success (for validate: every file valid).</summary>
    public const int Ok = 0;
    /// <summary>An input is invalid or does not match (a format, conversion or runtime error).</summary>
    public const int Invalid = 1;
    /// <summary>Bad usage, or an I/O failure (missing file, permissions, disk full, an output that exists).</summary>
    public const int UsageOrIo = 2;

    /// <summary>The exit code for an error: 2 for the 9xxx codes (I/O and usage), 1 for everything the input got wrong.</summary>
    public static int For(ShiraErrorCode code) => (int)code >= 9000 ? UsageOrIo : Invalid;
}
