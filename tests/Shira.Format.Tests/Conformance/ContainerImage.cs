using System.Buffers.Binary;
using Google.Protobuf;
using Shira.Format.Container;
using P = Shira.Format.Manifest.Proto;

namespace Shira.Format.Tests.Conformance;

/// <summary>
/// A valid container taken apart (header, data area, manifest, trailer fields) so a test-vector generator can change
/// one thing and put it back together with every checksum re-sealed, so that the deep rule is what trips.
/// </summary>
internal sealed class ContainerImage
{
    public byte[] Header = new byte[ShiraLayout.HeaderSize];
    /// <summary>Bytes [16, manifest offset): padding and sections.</summary>
    public byte[] Data = [];
    public P.Manifest Manifest = new();
    public ushort Major = ShiraLayout.Major, Minor = ShiraLayout.Minor;

    public static ContainerImage Parse(byte[] file)
    {
        var t = file.AsSpan(file.Length - ShiraLayout.TrailerSize);
        long mOffset = (long)BinaryPrimitives.ReadUInt64LittleEndian(t);
        long mLength = (long)BinaryPrimitives.ReadUInt64LittleEndian(t[8..]);
        return new ContainerImage
        {
            Header = file[..ShiraLayout.HeaderSize],
            Data = file[ShiraLayout.HeaderSize..(int)mOffset],
            Manifest = P.Manifest.Parser.ParseFrom(file, (int)mOffset, (int)mLength),
            Major = BinaryPrimitives.ReadUInt16LittleEndian(t[32..]),
            Minor = BinaryPrimitives.ReadUInt16LittleEndian(t[34..]),
        };
    }

    /// <summary>The bytes of section <paramref name="i"/> inside <see cref="Data"/>.</summary>
    public Span<byte> Section(int i)
    {
        var s = Manifest.Sections[i];
        return Data.AsSpan((int)s.Offset - ShiraLayout.HeaderSize, (int)s.StoredLength);
    }

    /// <summary>Replaces the stored bytes of section <paramref name="i"/> (moving the later sections so the layout
    /// stays canonical) and sets its codec, decoded length and checksum.</summary>
    public void ReplaceSection(int i, byte[] stored, P.SectionCodec codec, ulong decodedLength)
    {
        var sections = Manifest.Sections;
        var data = new List<byte>(Data[..((int)sections[i].Offset - ShiraLayout.HeaderSize)]);
        var old = Data;
        for (int k = i; k < sections.Count; k++)
        {
            var s = sections[k];
            byte[] bytes = k == i ? stored : old.AsSpan((int)s.Offset - ShiraLayout.HeaderSize, (int)s.StoredLength).ToArray();
            while ((ShiraLayout.HeaderSize + data.Count) % ShiraLayout.Alignment != 0) data.Add(0);
            s.Offset = (ulong)(ShiraLayout.HeaderSize + data.Count);
            data.AddRange(bytes);
            if (k == i)
            {
                s.StoredLength = (ulong)stored.Length;
                s.Codec = codec;
                s.DecodedLength = decodedLength;
                s.Xxh3 = ShiraLayout.Hash(stored);
            }
        }
        while ((ShiraLayout.HeaderSize + data.Count) % ShiraLayout.Alignment != 0) data.Add(0);
        Data = [.. data];
    }

    /// <summary>Recomputes the checksum of section <paramref name="i"/> after its bytes were changed.</summary>
    public void ResealSection(int i) => Manifest.Sections[i].Xxh3 = ShiraLayout.Hash(Section(i));

    /// <summary>Assembles the file: header, data, manifest (canonical encoding unless <paramref name="manifestBytes"/>
    /// is given), trailer with correct checksums; <paramref name="patchTrailer"/> may then change trailer fields
    /// (the trailer checksum is re-sealed after it unless <paramref name="resealTrailer"/> is false).</summary>
    public byte[] Build(byte[]? manifestBytes = null, Action<Span<byte>>? patchTrailer = null, bool resealTrailer = true)
    {
        var m = manifestBytes ?? Manifest.ToByteArray();
        long mOffset = ShiraLayout.HeaderSize + Data.Length;
        var file = new byte[mOffset + m.Length + ShiraLayout.TrailerSize];
        Header.CopyTo(file, 0);
        Data.CopyTo(file, ShiraLayout.HeaderSize);
        m.CopyTo(file, mOffset);
        var t = file.AsSpan((int)(mOffset + m.Length));
        ShiraLayout.WriteTrailer(t, mOffset, m.Length, ShiraLayout.Hash(m), file.Length, Major, Minor);
        if (patchTrailer is not null)
        {
            patchTrailer(t);
            if (resealTrailer) ShiraLayout.ResealTrailer(t);
        }
        return file;
    }
}
