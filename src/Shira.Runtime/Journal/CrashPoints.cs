namespace Shira.Runtime.Journal;

/// <summary>
/// Named steps of the journaled in-place operations where a crash test may stop the process. The shipped library
/// only calls <see cref="Hit"/>; the hook is set by tests/Shira.Runtime.CrashHelper (through InternalsVisibleTo), never
/// by configuration, so no environment of a user's process can make the library hang.
/// </summary>
internal static class CrashPoints
{
    /// <summary>Called with each step's name; null (one static read per step) outside the crash tests.</summary>
    internal static Action<string>? Hook { get; set; }

    /// <summary>Whether a hook is installed (lets a parallel loop skip its counter otherwise).</summary>
    public static bool Armed => Hook is not null;

    public static void Hit(string point) => Hook?.Invoke(point);
}
