using Spectre.Console;

namespace Shira.Cli.Infrastructure;

/// <summary>
/// The one progress adaptor of the command layer: a bar (or, for work that reports no progress, a spinner) on standard
/// error when it is a terminal; nothing under <c>--quiet</c> or when standard error is redirected, so pipelines and
/// tests see only the result. Library progress types are mapped to (done, total) by the caller.
/// </summary>
internal static class ProgressDisplay
{
    /// <summary>Runs <paramref name="work"/> with a synchronous <see cref="IProgress{T}"/> whose reports
    /// <paramref name="measure"/> turns into (done, total) units.</summary>
    public static T Run<TReport, T>(string description, Func<TReport, (long Done, long Total)> measure,
        Func<IProgress<TReport>, T> work)
    {
        var console = CliConsole.Current;
        if (!Shown(console)) return work(new SyncProgress<TReport>(_ => { }));
        T result = default!;
        console.ErrorAnsi.Progress()
            .AutoClear(true)
            .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new RemainingTimeColumn())
            .Start(ctx =>
            {
                var task = ctx.AddTask(Markup.Escape(description));
                result = work(new SyncProgress<TReport>(report =>
                {
                    var (done, total) = measure(report);
                    if (total > 0) { task.MaxValue = total; task.Value = Math.Min(done, total); }
                }));
                task.Value = task.MaxValue;
            });
        return result;
    }

    /// <summary>Runs work that reports no progress of its own under a spinner.</summary>
    public static T Run<T>(string description, Func<T> work)
    {
        var console = CliConsole.Current;
        if (!Shown(console)) return work();
        T result = default!;
        console.ErrorAnsi.Status().Start(Markup.Escape(description), _ => result = work());
        return result;
    }

    private static bool Shown(CliConsole console) => console.ErrorIsTerminal && !console.Quiet;

    // Progress<T> posts to the thread pool; a direct callback keeps the bar in step with the work.
    private sealed class SyncProgress<TReport>(Action<TReport> report) : IProgress<TReport>
    {
        public void Report(TReport value) => report(value);
    }
}
