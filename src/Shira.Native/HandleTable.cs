using System.Collections.Concurrent;

namespace Shira.Native;

/// <summary>
/// Maps the opaque <c>shira_adapter*</c> values handed to C to adapters. A handle is a number from a counter, never a
/// pointer into managed memory, so a forged, stale or double-closed handle is found missing here and reported as
/// <see cref="ShiraErrorCode.NativeInvalidHandle"/> instead of being dereferenced.
/// </summary>
internal static class HandleTable
{
    private static readonly ConcurrentDictionary<nint, NativeAdapter> Adapters = new();
    // Handles step by 16 from an odd-looking base so they do not resemble small integers or real pointers.
    private static long _next = 0x5A1_0000;

    public static nint Add(NativeAdapter adapter)
    {
        nint h = (nint)Interlocked.Add(ref _next, 16);
        Adapters[h] = adapter;
        return h;
    }

    /// <summary>Runs <paramref name="body"/> with the adapter acquired (not closable mid-call).</summary>
    public static int With<TState>(nint handle, TState state, Func<NativeAdapter, TState, int> body)
    {
        if (handle == 0) throw ShiraErrors.NativeInvalidHandle("the adapter handle is NULL");
        if (!Adapters.TryGetValue(handle, out var a) || !a.TryAcquire())
            throw ShiraErrors.NativeInvalidHandle($"0x{handle:x} is not an open adapter handle (never opened, or closed)");
        try
        {
            return body(a, state);
        }
        finally
        {
            a.Release();
        }
    }

    public static bool Remove(nint handle)
    {
        if (!Adapters.TryRemove(handle, out var a)) return false;
        a.Close();
        return true;
    }
}
