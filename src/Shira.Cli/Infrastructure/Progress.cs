using Spectre.Console;

namespace Shira.Cli.Infrastructure;

/// <summary>Progress for long work: a Spectre progress bar on a terminal, nothing when output is redirected
/// (so pipelines and tests see only the result).</summary>
internal static class ProgressDisplay
{
    /// <summary>Runs <paramref name="work"/> with an <see cref="IProgress{T}"/> of (done, total) units.</summary>
    public static T Run<T>(string description, Func<IProgress<(long Done, long Total)>, T> work)
    {
        var console = CliConsole.Current;
        if (!console.Interactive) return work(new Progress<(long, long)>(_ => { }));
        T result = default!;
        console.ErrorAnsi.Progress()
            .AutoClear(true)
            .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new RemainingTimeColumn())
            .Start(ctx =>
            {
                var task = ctx.AddTask(Markup.Escape(description));
                var sink = new SyncProgress(p =>
                {
                    if (p.Total > 0) { task.MaxValue = p.Total; task.Value = Math.Min(p.Done, p.Total); }
                });
                result = work(sink);
                task.Value = task.MaxValue;
            });
        return result;
    }

    // Progress<T> posts to the thread pool; a direct callback keeps the bar in step with the work.
    private sealed class SyncProgress(Action<(long Done, long Total)> report) : IProgress<(long Done, long Total)>
    {
        public void Report((long Done, long Total) value) => report(value);
    }
}
