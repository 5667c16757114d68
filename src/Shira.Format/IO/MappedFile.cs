using System.IO.MemoryMappedFiles;

namespace Shira.Format.IO;

/// <summary>
/// The one owner of memory maps in ShiraFormat: a whole file mapped through one view whose
/// <c>SafeMemoryMappedViewHandle</c> owns the mapping. The pointer is acquired once; the length comes from the
/// file, never from the view's capacity (which is rounded up to whole pages). <see cref="Container.ShiraReader"/>,
/// <see cref="Safetensors.SafetensorsFile"/> and the runtime's shards (copy-on-write or shared read-write) all use it.
/// </summary>
internal sealed unsafe class MappedFile : IDisposable
{
    private FileStream? _stream; // kept only for a writable map, to fsync it
    private MemoryMappedFile? _map;
    private MemoryMappedViewAccessor? _view;
    private byte* _pointer;

    private MappedFile(string path, long length, MemoryMappedFileAccess access)
    {
        FilePath = path;
        Length = length;
        Access = access;
    }

    /// <summary>The path it was opened with.</summary>
    public string FilePath { get; }

    /// <summary>The file's length in bytes, taken from the file when it was opened.</summary>
    public long Length { get; }

    /// <summary>Read, copy-on-write (private writes) or read-write (writes reach the file).</summary>
    public MemoryMappedFileAccess Access { get; }

    /// <summary>The first byte of the file; throws once disposed.</summary>
    public byte* Pointer
    {
        get
        {
            ObjectDisposedException.ThrowIf(_pointer == null, this);
            return _pointer;
        }
    }

    /// <summary>The whole file as a span (files under 2 GiB), or a slice of it.</summary>
    public ReadOnlySpan<byte> Span(long offset, int count)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(offset);
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        if (offset > Length - count) throw new ArgumentOutOfRangeException(nameof(count), $"[{offset}, +{count}) is outside the {Length}-byte file");
        return new ReadOnlySpan<byte>(Pointer + offset, count);
    }

    /// <summary>Maps <paramref name="path"/>. A file shorter than <paramref name="minLength"/> is refused with the
    /// exception <paramref name="tooShort"/> makes of its length (an empty file cannot be mapped at all); I/O failures
    /// become <see cref="ShiraErrorCode.IoError"/>.</summary>
    public static MappedFile Open(string path, MemoryMappedFileAccess access, long minLength, Func<long, Exception> tooShort)
    {
        ArgumentNullException.ThrowIfNull(path);
        ArgumentNullException.ThrowIfNull(tooShort);
        RegularFile.Check(path); // a FIFO, device or directory is refused before it is opened (NotRegularFile)
        bool writable = access == MemoryMappedFileAccess.ReadWrite;
        FileStream? fs = null;
        MappedFile? m = null;
        try
        {
            // Readers let the file be replaced (writers rename over it); a writer shares it with readers only.
            fs = new FileStream(path, FileMode.Open, writable ? FileAccess.ReadWrite : FileAccess.Read,
                writable || access == MemoryMappedFileAccess.CopyOnWrite ? FileShare.Read : FileShare.Read | FileShare.Delete, bufferSize: 1);
            long length = fs.Length;
            if (length < Math.Max(1, minLength)) throw tooShort(length);
            m = new MappedFile(path, length, access);
            m._map = MemoryMappedFile.CreateFromFile(fs, mapName: null, capacity: 0, access, HandleInheritability.None, leaveOpen: writable);
            if (writable) m._stream = fs;
            fs = null; // owned by the map (or kept for fsync)
            m._view = m._map.CreateViewAccessor(0, 0, access);
            // Capacity is only a sanity check (it is page-rounded): a file truncated between stat and map is refused.
            if (m._view.Capacity < length)
                throw ShiraErrors.IoError(path, "the file changed while it was being opened");
            byte* p = null;
            m._view.SafeMemoryMappedViewHandle.AcquirePointer(ref p);
            m._pointer = p + m._view.PointerOffset;
            var result = m;
            m = null;
            return result;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or ArgumentException or NotSupportedException)
        {
            throw ShiraErrors.IoError(path, e.Message, e);
        }
        finally
        {
            m?.Dispose();
            fs?.Dispose();
        }
    }

    /// <summary>Makes writes to a read-write map durable: msync of the view, then fsync of the file.</summary>
    public void Flush()
    {
        if (_view is null || _stream is null) return;
        try
        {
            _view.Flush();
            _stream.Flush(flushToDisk: true);
        }
        catch (IOException e) { throw ShiraErrors.IoError(FilePath, e.Message, e); }
    }

    /// <summary>Unmaps; spans handed out before die with the map.</summary>
    public void Dispose()
    {
        if (_view is not null)
        {
            if (_pointer != null) _view.SafeMemoryMappedViewHandle.ReleasePointer();
            _view.Dispose();
            _view = null;
        }
        _pointer = null;
        _map?.Dispose();
        _map = null;
        _stream?.Dispose();
        _stream = null;
    }
}
