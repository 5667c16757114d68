namespace Shira.Native;

/// <summary>The message of the last failed call, per thread (as errno and dlerror do).</summary>
internal static unsafe class LastError
{
    [ThreadStatic] private static nint _message;

    public static byte* Get => _message != 0 ? (byte*)_message : NativeStrings.Static("");

    public static void Set(string message)
    {
        var old = _message;
        _message = (nint)NativeStrings.Alloc(message);
        if (old != 0) NativeMemory.Free((void*)old);
    }
}
