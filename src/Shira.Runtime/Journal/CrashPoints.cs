namespace Shira.Runtime.Journal;

/// <summary>
/// Test hook for the crash tests: when the environment variable <c>SHIRA_CRASH_AT</c> names a point, the process
/// stops there (prints <c>CRASHPOINT name</c> and hangs) so that a test can kill it with SIGKILL at exactly that
/// moment. Unset in normal use; costs one string comparison per point.
/// </summary>
internal static class CrashPoints
{
    private static readonly string? Target = Environment.GetEnvironmentVariable("SHIRA_CRASH_AT");

    public static void Hit(string point)
    {
        if (Target is null || !string.Equals(Target, point, StringComparison.Ordinal)) return;
        Console.Out.WriteLine("CRASHPOINT " + point);
        Console.Out.Flush();
        Thread.Sleep(Timeout.Infinite);
    }
}
