using Spectre.Console;

namespace Shira.Cli.Infrastructure;

/// <summary>
/// Where a command writes: standard output for results (tables, tab-separated rows or JSON), standard error for
/// diagnostics and progress; plus the settings of the running invocation (<c>--json</c>, <c>--quiet</c>). Tests swap
/// in string writers through <c>Use</c>.
/// </summary>
internal sealed class CliConsole
{
    private static readonly AsyncLocal<CliConsole?> CurrentSlot = new();

    private CliConsole(TextWriter output, TextWriter error, bool outputIsTerminal, bool errorIsTerminal, int? width)
    {
        Output = output;
        Error = error;
        OutputIsTerminal = outputIsTerminal;
        ErrorIsTerminal = errorIsTerminal;
        Ansi = Create(output, outputIsTerminal, width);
        ErrorAnsi = Create(error, errorIsTerminal, width);
    }

    /// <summary>The console of the running command (the process console unless a test replaced it).</summary>
    public static CliConsole Current => CurrentSlot.Value ??= new CliConsole(
        Console.Out, Console.Error, !Console.IsOutputRedirected, !Console.IsErrorRedirected, width: null);

    /// <summary>Replaces the console for the current async flow (tests): not a terminal, so results come out as
    /// tab-separated rows and no progress is drawn.</summary>
    public static IDisposable Use(TextWriter output, TextWriter error) => Replace(output, error, terminalWidth: null);

    /// <summary>Replaces the console with one whose standard output behaves as a terminal of
    /// <paramref name="terminalWidth"/> columns (tables are drawn, without colour), for tests of the table layout.</summary>
    public static IDisposable UseTerminal(TextWriter output, TextWriter error, int terminalWidth) => Replace(output, error, terminalWidth);

    private static IDisposable Replace(TextWriter output, TextWriter error, int? terminalWidth)
    {
        var previous = CurrentSlot.Value;
        CurrentSlot.Value = new CliConsole(output, error, terminalWidth is not null, errorIsTerminal: false, terminalWidth);
        return new Restore(() => CurrentSlot.Value = previous);
    }

    /// <summary>Raw standard output (JSON goes here).</summary>
    public TextWriter Output { get; }
    /// <summary>Raw standard error.</summary>
    public TextWriter Error { get; }
    /// <summary>True when standard output is a terminal: tables fitted to its width; otherwise tab-separated rows.</summary>
    public bool OutputIsTerminal { get; }
    /// <summary>True when standard error is a terminal: progress may be drawn there.</summary>
    public bool ErrorIsTerminal { get; }
    /// <summary>Spectre console over <see cref="Output"/>.</summary>
    public IAnsiConsole Ansi { get; }
    /// <summary>Spectre console over <see cref="Error"/>, for progress.</summary>
    public IAnsiConsole ErrorAnsi { get; }

    /// <summary><c>--json</c>: results and errors as one JSON object on standard output.</summary>
    public bool Json { get; set; }
    /// <summary><c>--quiet</c>: no progress, no warnings and no human-readable result (errors and JSON still print).</summary>
    public bool Quiet { get; set; }
    /// <summary>The command being run as its schema names it (<c>inspect</c>, <c>export</c>, …); null before parsing.</summary>
    public string? Command { get; set; }
    /// <summary>The output path the running command writes, once claimed (named in I/O errors instead of temp files).</summary>
    public string? OutputPath { get; set; }

    /// <summary>Prints a warning line on standard error (not under <c>--quiet</c>).</summary>
    public void Warn(string message)
    {
        if (!Quiet) Error.WriteLine("warning: " + message);
    }

    private static IAnsiConsole Create(TextWriter writer, bool terminal, int? width)
    {
        var console = AnsiConsole.Create(new AnsiConsoleSettings
        {
            Out = new AnsiConsoleOutput(writer),
            Ansi = terminal && width is null ? AnsiSupport.Detect : AnsiSupport.No,
            ColorSystem = terminal && width is null ? ColorSystemSupport.Detect : ColorSystemSupport.NoColors,
            Interactive = terminal && width is null ? InteractionSupport.Detect : InteractionSupport.No,
        });
        if (width is { } w) console.Profile.Width = w;
        return console;
    }

    private sealed class Restore(Action action) : IDisposable
    {
        public void Dispose() => action();
    }
}
