using Spectre.Console;

namespace Shira.Cli.Infrastructure;

/// <summary>
/// Where a command writes: standard output for results (tables or JSON), standard error for diagnostics and
/// progress. Tests swap in string writers through <see cref="Use"/>.
/// </summary>
internal sealed class CliConsole
{
    private static readonly AsyncLocal<CliConsole?> CurrentSlot = new();

    private CliConsole(TextWriter output, TextWriter error, bool interactive)
    {
        Output = output;
        Error = error;
        Interactive = interactive;
        Ansi = Create(output, interactive);
        ErrorAnsi = Create(error, interactive);
    }

    /// <summary>The console of the running command (the process console unless a test replaced it).</summary>
    public static CliConsole Current => CurrentSlot.Value ??= new CliConsole(
        Console.Out, Console.Error, !Console.IsOutputRedirected && !Console.IsErrorRedirected);

    /// <summary>Replaces the console for the current async flow (tests); non-interactive, fixed width, no colour.</summary>
    public static IDisposable Use(TextWriter output, TextWriter error)
    {
        var previous = CurrentSlot.Value;
        CurrentSlot.Value = new CliConsole(output, error, interactive: false);
        return new Restore(() => CurrentSlot.Value = previous);
    }

    /// <summary>Raw standard output (JSON goes here).</summary>
    public TextWriter Output { get; }
    /// <summary>Raw standard error.</summary>
    public TextWriter Error { get; }
    /// <summary>True when both streams are terminals (progress bars and colour allowed).</summary>
    public bool Interactive { get; }
    /// <summary>Spectre console over <see cref="Output"/>.</summary>
    public IAnsiConsole Ansi { get; }
    /// <summary>Spectre console over <see cref="Error"/>, for progress.</summary>
    public IAnsiConsole ErrorAnsi { get; }

    private static IAnsiConsole Create(TextWriter writer, bool interactive)
    {
        var console = AnsiConsole.Create(new AnsiConsoleSettings
        {
            Out = new AnsiConsoleOutput(writer),
            Ansi = interactive ? AnsiSupport.Detect : AnsiSupport.No,
            ColorSystem = interactive ? ColorSystemSupport.Detect : ColorSystemSupport.NoColors,
            Interactive = interactive ? InteractionSupport.Detect : InteractionSupport.No,
        });
        // Redirected output gets a fixed width so tables never wrap differently between machines.
        if (!interactive) console.Profile.Width = 160;
        return console;
    }

    private sealed class Restore(Action action) : IDisposable
    {
        public void Dispose() => action();
    }
}
