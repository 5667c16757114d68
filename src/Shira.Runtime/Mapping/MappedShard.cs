using System.IO.Hashing;
using System.IO.MemoryMappedFiles;
using System.Runtime.InteropServices;
using Shira.Format;
using Shira.Format.Safetensors;

namespace Shira.Runtime.Mapping;

/// <summary>
/// One safetensors file of a base, mapped (private copy-on-write or shared read-write) or read into native memory.
/// The pointer is acquired once; the length comes from the file, never from the view's capacity (which is rounded
/// up to a page).
/// </summary>
internal sealed unsafe class MappedShard : IDisposable
{
    private FileStream? _stream;
    private MemoryMappedFile? _map;
    private MemoryMappedViewAccessor? _view;
    private void* _native;

    private MappedShard(string path, long length, SafetensorsHeader header, ulong headerHash)
    {
        FilePath = path;
        Length = length;
        Header = header;
        HeaderHash = headerHash;
    }

    public string FilePath { get; }
    public long Length { get; }
    public SafetensorsHeader Header { get; }
    /// <summary>XXH3-64 of the first 8 + N bytes (length prefix and JSON header): the journal's base identity.</summary>
    public ulong HeaderHash { get; }
    public byte* Pointer { get; private set; }

    public static MappedShard Open(string path, BaseOpenMode mode, SafetensorsOptions? options)
    {
        Shira.Format.IO.RegularFile.Check(path);
        FileStream? fs = null;
        MappedShard? shard = null;
        try
        {
            fs = new FileStream(path, FileMode.Open, mode == BaseOpenMode.InPlace ? FileAccess.ReadWrite : FileAccess.Read,
                FileShare.Read, 1, FileOptions.None);
            long length = fs.Length;
            var (header, hash) = ReadHeader(fs.SafeFileHandle, length, path, options);
            shard = new MappedShard(path, length, header, hash);
            switch (mode)
            {
                case BaseOpenMode.Memory:
                    shard._native = HugePages.Allocate(length);
                    shard.Pointer = (byte*)shard._native;
                    for (long done = 0; done < length;)
                    {
                        int n = (int)Math.Min(1 << 30, length - done);
                        int got = RandomAccess.Read(fs.SafeFileHandle, new Span<byte>(shard.Pointer + done, n), done);
                        if (got <= 0) throw ShiraErrors.Create(ShiraErrorCode.IoError, "the file ended while it was being read", path, null, done);
                        done += got;
                    }
                    fs.Dispose();
                    fs = null;
                    break;
                default:
                    var access = mode == BaseOpenMode.InPlace ? MemoryMappedFileAccess.ReadWrite : MemoryMappedFileAccess.CopyOnWrite;
                    shard._stream = fs;
                    shard._map = MemoryMappedFile.CreateFromFile(fs, null, 0,
                        access, HandleInheritability.None, leaveOpen: true);
                    shard._view = shard._map.CreateViewAccessor(0, 0, access);
                    byte* p = null;
                    shard._view.SafeMemoryMappedViewHandle.AcquirePointer(ref p);
                    shard.Pointer = p + shard._view.PointerOffset;
                    fs = null;
                    break;
            }
            var result = shard;
            shard = null;
            return result;
        }
        catch (IOException e) { throw ShiraErrors.Io(path, e); }
        catch (UnauthorizedAccessException e) { throw ShiraErrors.Io(path, e); }
        finally
        {
            shard?.Dispose();
            fs?.Dispose();
        }
    }

    internal static (SafetensorsHeader Header, ulong Hash) ReadHeader(Microsoft.Win32.SafeHandles.SafeFileHandle handle, long length,
        string path, SafetensorsOptions? options)
    {
        Span<byte> first8 = stackalloc byte[8];
        if (length < 8 || RandomAccess.Read(handle, first8, 0) != 8)
            throw ShiraErrors.Create(ShiraErrorCode.SafetensorsTooSmall, "the file is shorter than the 8-byte header length", path, null, 0);
        long n = SafetensorsHeader.ReadHeaderLength(first8, length, path, options);
        var prefix = new byte[checked(8 + (int)n)];
        if (RandomAccess.Read(handle, prefix, 0) != prefix.Length)
            throw ShiraErrors.Create(ShiraErrorCode.SafetensorsTooSmall, "the file ended inside the header", path, null, 8);
        return (SafetensorsHeader.Parse(prefix, length, path, options), XxHash3.HashToUInt64(prefix));
    }

    /// <summary>Makes in-place writes durable: msync of the view, then fsync of the file.</summary>
    public void Flush()
    {
        if (_view is null || _stream is null || !_stream.CanWrite) return;
        try
        {
            _view.Flush();
            _stream.Flush(flushToDisk: true);
        }
        catch (IOException e) { throw ShiraErrors.Io(FilePath, e); }
    }

    public void Dispose()
    {
        if (_view is not null)
        {
            if (Pointer != null) _view.SafeMemoryMappedViewHandle.ReleasePointer();
            _view.Dispose();
            _view = null;
        }
        _map?.Dispose();
        _map = null;
        _stream?.Dispose();
        _stream = null;
        if (_native != null)
        {
            NativeMemory.AlignedFree(_native);
            _native = null;
        }
        Pointer = null;
    }
}
