using System.IO.Hashing;
using System.IO.MemoryMappedFiles;
using System.Runtime.InteropServices;
using Shira.Format;
using Shira.Format.Safetensors;

namespace Shira.Runtime.Mapping;

/// <summary>
/// One safetensors file of a base: its map (private copy-on-write or shared read-write), owned by
/// <see cref="SafetensorsFile"/> and so by Shira.Format's one map owner, or for <see cref="BaseOpenMode.Memory"/> a
/// copy in native memory taken from the read-only map. The header is the one the file's open parsed.
/// </summary>
internal sealed unsafe class MappedShard : IDisposable
{
    private SafetensorsFile? _file;
    private void* _native;

    private MappedShard(SafetensorsFile file, byte* pointer, void* native)
    {
        FilePath = file.FilePath;
        Length = file.Length;
        Header = file.Header;
        _file = native == null ? file : null;
        _native = native;
        Pointer = pointer;
        HeaderHash = XxHash3.HashToUInt64(new ReadOnlySpan<byte>(pointer, checked((int)Header.DataStart)));
    }

    public string FilePath { get; }
    public long Length { get; }
    public SafetensorsHeader Header { get; }
    /// <summary>XXH3-64 of the first 8 + N bytes (length prefix and JSON header): the journal's base identity.</summary>
    public ulong HeaderHash { get; }
    public byte* Pointer { get; private set; }

    /// <summary>The map access a base opened in <paramref name="mode"/> needs (Memory copies from a read-only map).</summary>
    public static MemoryMappedFileAccess AccessFor(BaseOpenMode mode) => mode switch
    {
        BaseOpenMode.InPlace => MemoryMappedFileAccess.ReadWrite,
        BaseOpenMode.CopyOnWrite => MemoryMappedFileAccess.CopyOnWrite,
        _ => MemoryMappedFileAccess.Read,
    };

    /// <summary>Takes over <paramref name="file"/> (opened with <see cref="AccessFor"/>): keeps its map, or for
    /// <see cref="BaseOpenMode.Memory"/> copies it into native memory and closes it.</summary>
    public static MappedShard From(SafetensorsFile file, BaseOpenMode mode)
    {
        if (mode != BaseOpenMode.Memory) return new MappedShard(file, file.Map.Pointer, null);
        void* native = HugePages.Allocate(file.Length);
        try
        {
            byte* from = file.Map.Pointer;
            for (long done = 0; done < file.Length;)
            {
                int n = (int)Math.Min(1 << 30, file.Length - done);
                new ReadOnlySpan<byte>(from + done, n).CopyTo(new Span<byte>((byte*)native + done, n));
                done += n;
            }
            var shard = new MappedShard(file, (byte*)native, native);
            file.Dispose();
            return shard;
        }
        catch
        {
            NativeMemory.AlignedFree(native);
            throw;
        }
    }

    /// <summary>Makes in-place writes durable: msync of the view, then fsync of the file.</summary>
    public void Flush() => _file?.Map.Flush();

    public void Dispose()
    {
        _file?.Dispose();
        _file = null;
        if (_native != null)
        {
            NativeMemory.AlignedFree(_native);
            _native = null;
        }
        Pointer = null;
    }
}
