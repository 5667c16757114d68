using System.Buffers.Binary;
using Google.Protobuf;
using Shira.Format;
using Shira.Format.Container;
using P = Shira.Format.Manifest.Proto;

namespace Shira.Fuzz;

/// <summary>
/// The fuzz harness logic of tests/Shira.Fuzz (SharpFuzz/AFL++), also compiled into Shira.Format.Tests for the
/// in-process replay test (it stays out of the shipped library): open the bytes, validate, and read every tensor through every public read path. Format errors are
/// <see cref="ShiraException"/>s and end the case normally; any other exception escapes and is a crash.
/// </summary>
internal static class FuzzEntry
{
    /// <summary>Returns null when the bytes are a valid container, else the code of the first problem.</summary>
    public static ShiraErrorCode? Check(ReadOnlyMemory<byte> bytes)
    {
        ShiraReader reader;
        try
        {
            reader = ShiraReader.Open(bytes, "<fuzz>");
        }
        catch (ShiraException e)
        {
            return e.Code;
        }
        using (reader)
        {
            var report = reader.Validate();
            foreach (var t in reader.Tensors)
            {
                try
                {
                    ReadAll(reader, t);
                }
                catch (ShiraException e) when (!report.IsValid)
                {
                    _ = e; // expected: the file is invalid and this tensor may be the broken one
                }
                catch (ShiraException e)
                {
                    // Validate() said valid, so every read must succeed: a disagreement is a bug.
                    throw new InvalidOperationException($"Validate() passed but reading '{t.Name}' failed: {e}", e);
                }
            }
            return report.IsValid ? null : report.Issues[0].Code;
        }
    }

    /// <summary>
    /// Runs <see cref="Check"/> on the input as is and on <see cref="Reseal"/> of it, so that a fuzzer's mutations
    /// also reach the manifest rules and the section decoders instead of stopping at a checksum.
    /// </summary>
    public static void CheckBoth(byte[] input)
    {
        Check(input);
        if (Reseal(input) is { } fixedUp) Check(fixedUp);
    }

    /// <summary>
    /// Best effort: recomputes every checksum of <paramref name="file"/> (sections in bounds, manifest, trailer)
    /// so that only the structural rules remain. Null when the trailer does not locate a parseable manifest.
    /// </summary>
    internal static byte[]? Reseal(byte[] file)
    {
        if (file.Length < ShiraLayout.MinFileSize) return null;
        var t = file.AsSpan(file.Length - ShiraLayout.TrailerSize);
        ulong mOffset = BinaryPrimitives.ReadUInt64LittleEndian(t);
        ulong mLength = BinaryPrimitives.ReadUInt64LittleEndian(t[8..]);
        if (mOffset > (ulong)file.Length || mLength > (ulong)file.Length - mOffset) return null;
        P.Manifest m;
        try
        {
            m = P.Manifest.Parser.ParseFrom(file.AsSpan((int)mOffset, (int)mLength));
        }
        catch (InvalidProtocolBufferException)
        {
            return null;
        }
        foreach (var s in m.Sections)
            if (s.Offset <= mOffset && s.StoredLength <= mOffset - s.Offset)
                s.Xxh3 = ShiraLayout.Hash(file.AsSpan((int)s.Offset, (int)s.StoredLength));
        var manifest = m.ToByteArray();
        var output = new byte[mOffset + (ulong)manifest.Length + ShiraLayout.TrailerSize];
        file.AsSpan(0, (int)mOffset).CopyTo(output);
        manifest.CopyTo(output, (int)mOffset);
        var nt = output.AsSpan(output.Length - ShiraLayout.TrailerSize);
        t.CopyTo(nt); // keep the mutated version, flags and reserved fields
        BinaryPrimitives.WriteUInt64LittleEndian(nt[8..], (ulong)manifest.Length);
        BinaryPrimitives.WriteUInt64LittleEndian(nt[16..], ShiraLayout.Hash(manifest));
        BinaryPrimitives.WriteUInt64LittleEndian(nt[24..], (ulong)output.Length);
        ShiraLayout.ResealTrailer(nt);
        return output;
    }

    private static void ReadAll(ShiraReader reader, ShiraTensorInfo t)
    {
        var longs = new long[t.Nnz];
        // The check-then-decode path must reach the same verdict (and code) as the decode, and the same indices.
        IndexBlocks? blocks = null;
        ShiraErrorCode? checkCode = null;
        try
        {
            blocks = reader.CheckIndices(t);
        }
        catch (ShiraException e)
        {
            checkCode = e.Code;
        }
        try
        {
            reader.ReadIndices(t, longs);
        }
        catch (ShiraException e)
        {
            if (checkCode != e.Code)
                throw new InvalidOperationException($"CheckIndices ({checkCode}) and ReadIndices ({e.Code}) disagree on '{t.Name}'", e);
            throw;
        }
        if (checkCode is not null) throw new InvalidOperationException($"CheckIndices rejected '{t.Name}' ({checkCode}) but ReadIndices accepted it");
        blocks!.Decode(0, blocks.Layout.BlockCount, new CompareSink(longs, t.Name));
        if (t.Numel <= 1L << 32)
        {
            var uints = new uint[t.Nnz];
            reader.ReadIndices(t, uints);
            for (int i = 0; i < uints.Length; i++)
                if (uints[i] != longs[i]) throw new InvalidOperationException($"u32 and u64 index paths disagree on '{t.Name}'");
        }
        var values = new float[t.Nnz];
        reader.ReadValues(t, values);
        _ = reader.GetValueBytes(t).Length;
    }

    /// <summary>Fails when a block-decoded index differs from the whole-set decode.</summary>
    private readonly struct CompareSink(long[] expected, string tensor) : Shira.Format.Codecs.IIndexSink
    {
        public void Add(int position, ulong index)
        {
            if ((uint)position >= (uint)expected.Length || (ulong)expected[position] != index)
                throw new InvalidOperationException($"IndexBlocks.Decode and ReadIndices disagree on '{tensor}' at position {position}");
        }
    }
}
