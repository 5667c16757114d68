using System.IO.Hashing;

namespace Shira.Format.Container;

/// <summary>
/// Byte layout of a .shira v1 container (spec/SPEC.md §3): a 16-byte header, 64-byte aligned data sections
/// separated by zero padding, the protobuf manifest (also 64-byte aligned), and a 64-byte trailer at the very end.
/// All integers are little-endian.
/// </summary>
internal static class ShiraLayout
{
    /// <summary>The format major version this library reads and writes.</summary>
    public const int Major = 1;
    /// <summary>The format minor version this library writes (files with a larger minor are still read).</summary>
    public const int Minor = 0;

    /// <summary>Size of the header at offset 0.</summary>
    public const int HeaderSize = 16;
    /// <summary>Size of the trailer at the end of the file.</summary>
    public const int TrailerSize = 64;
    /// <summary>Alignment of every section and of the manifest.</summary>
    public const int Alignment = 64;
    /// <summary>The smallest possible file: header padded to 64, a manifest of at least one byte, the trailer.</summary>
    public const int MinFileSize = Alignment + 1 + TrailerSize;

    /// <summary>The 8 magic bytes at offset 0: <c>89 53 48 49 52 41 0D 0A</c> ("\x89SHIRA\r\n").</summary>
    public static ReadOnlySpan<byte> HeaderMagic => [0x89, (byte)'S', (byte)'H', (byte)'I', (byte)'R', (byte)'A', 0x0D, 0x0A];

    /// <summary>The 8 magic bytes ending the file: <c>"SHIRAEND"</c>.</summary>
    public static ReadOnlySpan<byte> TrailerMagic => "SHIRAEND"u8;

    // Header fields in order, each offset derived from the one before and its width (magic, u16 major, u16 minor,
    // u32 flags): the header ends at HeaderSize.
    internal const int HeaderMajorAt = 8;
    internal const int HeaderMinorAt = HeaderMajorAt + sizeof(ushort);
    internal const int HeaderFlagsAt = HeaderMinorAt + sizeof(ushort);
    internal const int HeaderEnd = HeaderFlagsAt + sizeof(uint);

    // Trailer fields in order (offsets relative to the trailer start), derived the same way: u64 manifest offset,
    // length and hash, u64 file length, u16 major, u16 minor, u32 flags, 8 reserved bytes, u64 hash, 8-byte magic;
    // the trailer ends at TrailerSize.
    internal const int TrailerManifestOffsetAt = 0;
    internal const int TrailerManifestLengthAt = TrailerManifestOffsetAt + sizeof(ulong);
    internal const int TrailerManifestHashAt = TrailerManifestLengthAt + sizeof(ulong);
    internal const int TrailerFileLengthAt = TrailerManifestHashAt + sizeof(ulong);
    internal const int TrailerMajorAt = TrailerFileLengthAt + sizeof(ulong);
    internal const int TrailerMinorAt = TrailerMajorAt + sizeof(ushort);
    internal const int TrailerFlagsAt = TrailerMinorAt + sizeof(ushort);
    internal const int TrailerReservedAt = TrailerFlagsAt + sizeof(uint);
    internal const int TrailerHashAt = TrailerReservedAt + 8;
    internal const int TrailerMagicAt = TrailerHashAt + sizeof(ulong);
    internal const int TrailerEnd = TrailerMagicAt + 8;

    /// <summary>Rounds <paramref name="offset"/> up to the next multiple of 64 (checked).</summary>
    public static long Align(long offset) => checked((offset + (Alignment - 1)) & ~(long)(Alignment - 1));

    /// <summary>XXH3-64 with seed 0, the checksum used everywhere in the format (stored as a little-endian u64).</summary>
    public static ulong Hash(ReadOnlySpan<byte> bytes) => XxHash3.HashToUInt64(bytes);

    /// <summary>Writes the 16-byte header.</summary>
    internal static void WriteHeader(Span<byte> destination, int major, int minor)
    {
        destination[..HeaderSize].Clear();
        HeaderMagic.CopyTo(destination);
        BinaryPrimitives.WriteUInt16LittleEndian(destination[HeaderMajorAt..], (ushort)major);
        BinaryPrimitives.WriteUInt16LittleEndian(destination[HeaderMinorAt..], (ushort)minor);
    }

    /// <summary>Writes the 64-byte trailer, including its own checksum.</summary>
    internal static void WriteTrailer(Span<byte> t, long manifestOffset, long manifestLength, ulong manifestHash,
        long fileLength, int major, int minor)
    {
        t[..TrailerSize].Clear();
        BinaryPrimitives.WriteUInt64LittleEndian(t[TrailerManifestOffsetAt..], (ulong)manifestOffset);
        BinaryPrimitives.WriteUInt64LittleEndian(t[TrailerManifestLengthAt..], (ulong)manifestLength);
        BinaryPrimitives.WriteUInt64LittleEndian(t[TrailerManifestHashAt..], manifestHash);
        BinaryPrimitives.WriteUInt64LittleEndian(t[TrailerFileLengthAt..], (ulong)fileLength);
        BinaryPrimitives.WriteUInt16LittleEndian(t[TrailerMajorAt..], (ushort)major);
        BinaryPrimitives.WriteUInt16LittleEndian(t[TrailerMinorAt..], (ushort)minor);
        BinaryPrimitives.WriteUInt64LittleEndian(t[TrailerHashAt..], Hash(t[..TrailerHashAt]));
        TrailerMagic.CopyTo(t[TrailerMagicAt..]);
    }

    /// <summary>Recomputes the trailer checksum in place (used by test-vector generators that patch a trailer).</summary>
    internal static void ResealTrailer(Span<byte> trailer) =>
        BinaryPrimitives.WriteUInt64LittleEndian(trailer[TrailerHashAt..], Hash(trailer[..TrailerHashAt]));
}
