using System.Collections.Concurrent;
using System.Text;

namespace Shira.Native;

/// <summary>UTF-8 strings in native memory: allocated ones (freed by <c>shira_free</c> or by their owner) and
/// interned static ones that live as long as the process.</summary>
internal static unsafe class NativeStrings
{
    private static readonly ConcurrentDictionary<string, nint> Interned = new(StringComparer.Ordinal);

    /// <summary>A NUL-terminated copy in memory from <see cref="NativeMemory.Alloc(nuint)"/>.</summary>
    public static byte* Alloc(string s)
    {
        int n = Encoding.UTF8.GetByteCount(s);
        byte* p = (byte*)NativeMemory.Alloc((nuint)n + 1);
        Encoding.UTF8.GetBytes(s, new Span<byte>(p, n));
        p[n] = 0;
        return p;
    }

    /// <summary>A string that is never freed (version, code names): one copy per distinct value.</summary>
    public static byte* Static(string s) => (byte*)Interned.GetOrAdd(s, static v => (nint)Alloc(v));

    /// <summary>Reads a NUL-terminated UTF-8 argument; throws for NULL.</summary>
    public static string Read(byte* p, string parameter)
    {
        if (p is null) throw NativeErrors.Null(parameter);
        return Marshal.PtrToStringUTF8((nint)p) ?? "";
    }
}
