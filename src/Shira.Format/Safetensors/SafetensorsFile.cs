using System.IO.MemoryMappedFiles;
using Shira.Format.IO;

namespace Shira.Format.Safetensors;

/// <summary>A read-only, memory-mapped safetensors file with zero-copy tensor views.</summary>
/// <remarks>The header is validated once by <see cref="Open"/>; afterwards every span handed out lies inside the map.
/// Reads may run concurrently; <see cref="Dispose"/> must not race with them (spans die with the map). Another process
/// truncating the file while it is mapped is outside what a map can guard against.</remarks>
public sealed unsafe partial class SafetensorsFile : IDisposable
{
    private MappedFile? _map;
    private readonly long _length;
    private byte* _base;

    private SafetensorsFile(MappedFile map, SafetensorsHeader header)
    {
        FilePath = map.FilePath;
        _map = map;
        _base = map.Pointer;
        _length = map.Length;
        Header = header;
    }

    /// <summary>Maps and validates a file.</summary>
    public static SafetensorsFile Open(string path, SafetensorsOptions? options = null) =>
        OpenMapped(path, options, MemoryMappedFileAccess.Read);

    /// <summary>Maps a file with the given access (the runtime maps bases copy-on-write or read-write) and parses its
    /// header once.</summary>
    internal static SafetensorsFile OpenMapped(string path, SafetensorsOptions? options, MemoryMappedFileAccess access)
    {
        ArgumentNullException.ThrowIfNull(path);
        // Also covers the empty file, which cannot be mapped at all.
        var map = MappedFile.Open(path, access, SafetensorsHeader.LengthPrefixBytes, length => ShiraErrors.SafetensorsTooSmall($"the file is {length} bytes long; a safetensors file starts with an 8-byte header length", path, null, 0));
        try
        {
            byte* start = map.Pointer;
            long n = SafetensorsHeader.ReadHeaderLength(new ReadOnlySpan<byte>(start, SafetensorsHeader.LengthPrefixBytes), map.Length, path, options);
            var header = SafetensorsHeader.Parse(
                new ReadOnlySpan<byte>(start, SafetensorsHeader.LengthPrefixBytes + (int)n), map.Length, path, options);
            return new SafetensorsFile(map, header);
        }
        catch
        {
            map.Dispose();
            throw;
        }
    }

    /// <summary>The map (the runtime writes through it and flushes it).</summary>
    internal MappedFile Map => _map ?? throw new ObjectDisposedException(nameof(SafetensorsFile));

    /// <summary>The path.</summary>
    public string FilePath { get; }

    /// <summary>The validated header.</summary>
    public SafetensorsHeader Header { get; }

    /// <summary>The file's length in bytes.</summary>
    public long Length => _length;

    /// <summary>Tensors in data order.</summary>
    public IReadOnlyList<SafetensorsTensorInfo> Tensors => Header.Tensors;

    /// <summary>Finds a tensor.</summary>
    public bool TryGetTensor(string name, out SafetensorsTensorInfo tensor) => Header.TryGetTensor(name, out tensor);

    /// <summary>Finds a tensor (throws <see cref="ShiraErrorCode.SafetensorsTensorNotFound"/>).</summary>
    public SafetensorsTensorInfo GetTensor(string name) =>
        Header.TryGetTensor(name, out var t) ? t
            : throw ShiraErrors.SafetensorsTensorNotFound($"no tensor '{name}' in the file", FilePath, name);

    /// <summary>The tensor's raw little-endian bytes, a view of the map valid while the file is open.</summary>
    public ReadOnlySpan<byte> GetBytes(SafetensorsTensorInfo tensor)
    {
        CheckOwned(tensor);
        if (tensor.ByteLength > int.MaxValue)
        {
            throw ShiraErrors.SafetensorsTensorTooLarge($"tensor '{tensor.Name}' has {tensor.ByteLength} bytes, more than one span holds; use GetBytes(tensor, offset, count)",
                FilePath, tensor.Name, Header.DataStart + tensor.Begin);
        }
        return new ReadOnlySpan<byte>(Pointer + Header.DataStart + tensor.Begin, (int)tensor.ByteLength);
    }

    /// <summary>A slice of the tensor's bytes (for tensors over 2 GiB): <paramref name="count"/> bytes from
    /// <paramref name="offset"/> within the tensor.</summary>
    public ReadOnlySpan<byte> GetBytes(SafetensorsTensorInfo tensor, long offset, int count)
    {
        CheckOwned(tensor);
        ArgumentOutOfRangeException.ThrowIfNegative(offset);
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        if (offset > tensor.ByteLength - count)
            throw new ArgumentOutOfRangeException(nameof(count), $"[{offset}, {offset}+{count}) is outside the tensor's {tensor.ByteLength} bytes");
        return new ReadOnlySpan<byte>(Pointer + Header.DataStart + tensor.Begin + offset, count);
    }

    /// <summary>The tensor's raw bytes by name (throws <see cref="ShiraErrorCode.SafetensorsTensorNotFound"/>).</summary>
    public ReadOnlySpan<byte> GetBytes(string name) => GetBytes(GetTensor(name));

    /// <inheritdoc />
    public void Dispose()
    {
        _base = null;
        Interlocked.Exchange(ref _map, null)?.Dispose();
    }

    private byte* Pointer
    {
        get
        {
            ObjectDisposedException.ThrowIf(_base == null, this);
            return _base;
        }
    }

    private void CheckOwned(SafetensorsTensorInfo tensor)
    {
        ArgumentNullException.ThrowIfNull(tensor);
        // A foreign entry could point anywhere; only this header's entries are known to be in bounds.
        if (!Header.Contains(tensor))
        {
            throw ShiraErrors.SafetensorsTensorNotFound($"tensor '{tensor.Name}' [{tensor.Begin}, {tensor.End}) is not an entry of this file", FilePath, tensor.Name);
        }
    }
}
