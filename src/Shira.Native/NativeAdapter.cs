using Shira.Format.Container;

namespace Shira.Native;

/// <summary>An open adapter behind a C handle: the reader, and the native copies of the strings that
/// <c>shira_tensor_info</c> hands out. Calls acquire it for their duration, so a close that races a call defers the
/// unmap until the call is done instead of pulling the map from under it.</summary>
internal sealed unsafe class NativeAdapter
{
    private readonly object _gate = new();
    private readonly nint[] _names;
    private readonly nint[] _baseDTypeNames;
    private int _users;
    private bool _closed;

    public NativeAdapter(ShiraReader reader)
    {
        Reader = reader;
        var tensors = reader.Tensors;
        _names = new nint[tensors.Count];
        _baseDTypeNames = new nint[tensors.Count];
        for (int i = 0; i < tensors.Count; i++)
        {
            _names[i] = (nint)NativeStrings.Alloc(tensors[i].Name);
            _baseDTypeNames[i] = (nint)NativeStrings.Static(tensors[i].BaseDType.Name());
        }
    }

    public ShiraReader Reader { get; }

    public byte* Name(int i) => (byte*)_names[i];

    public byte* BaseDTypeName(int i) => (byte*)_baseDTypeNames[i];

    /// <summary>The tensor at <paramref name="index"/>, or <see cref="ShiraErrorCode.NativeNotFound"/>.</summary>
    public ShiraTensorInfo Tensor(ulong index) => index < (ulong)Reader.Tensors.Count
        ? Reader.Tensors[(int)index]
        : throw ShiraErrors.NativeNotFound($"tensor index {index} is out of range (the adapter has {Reader.Tensors.Count} tensors)");

    public bool TryAcquire()
    {
        lock (_gate)
        {
            if (_closed) return false;
            _users++;
            return true;
        }
    }

    public void Release()
    {
        lock (_gate)
        {
            if (--_users == 0 && _closed) Free();
        }
    }

    /// <summary>Marks the adapter closed; resources go when the last running call releases it.</summary>
    public void Close()
    {
        lock (_gate)
        {
            if (_closed) return;
            _closed = true;
            if (_users == 0) Free();
        }
    }

    private void Free()
    {
        Reader.Dispose();
        foreach (var p in _names) NativeMemory.Free((void*)p);
    }
}
