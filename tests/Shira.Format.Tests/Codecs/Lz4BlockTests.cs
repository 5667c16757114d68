using CsCheck;
using K4os.Compression.LZ4;
using Shira.Format.Codecs;
using Shira.Format.Container;
using Shira.Format.Tests.Conformance;
using Shira.Fuzz;
using P = Shira.Format.Manifest.Proto;

namespace Shira.Format.Tests.Codecs;

/// <summary>spec/SPEC.md §5.1: an LZ4 section is one block that meets every rule of the LZ4 block format, checked
/// before any decoder runs (issue 9 §1: a match offset of 0 was decoded, and apply wrote what K4os made of it).</summary>
public class Lz4BlockTests
{
    private static byte[] Base() => Lz4Sequences.Write(VectorCatalog.Lz4Base());

    private static ShiraException Rejects(byte[] block, long decoded)
    {
        var e = Assert.Throws<ShiraException>(() => Lz4Block.Check(block, decoded));
        Assert.Equal(ShiraErrorCode.CodecError, e.Code);
        return e;
    }

    [Fact]
    public void The_base_block_of_the_LZ4_vectors_is_valid_and_decodes_like_the_reference()
    {
        var block = Base();
        Lz4Block.Check(block, 256);
        var output = new byte[256];
        Lz4Block.Decode(block, output);
        Assert.Equal(Lz4Sequences.Decode(block, 256), output);
    }

    [Fact]
    public void Lz4_match_offset_MUST_NOT_be_zero()
    {
        var block = Lz4Sequences.Write([VectorCatalog.Lz4Base()[0] with { Offset = 0 }, VectorCatalog.Lz4Base()[1]]);
        // K4os decodes it (to bytes that depend on the decoder): the reason the check runs before it.
        Assert.Equal(256, LZ4Codec.Decode(block, new byte[256]));
        Assert.Equal(18, Rejects(block, 256).Offset); // token, one length byte, 16 literals, then the offset
    }

    [Fact]
    public void Lz4_match_MUST_NOT_reach_before_the_start_of_the_output()
    {
        Assert.Equal(18, Rejects(Lz4Sequences.Write([VectorCatalog.Lz4Base()[0] with { Offset = 17 }, VectorCatalog.Lz4Base()[1]]), 256).Offset);
        // A match first, with no literal before it.
        Assert.Equal(1, Rejects(Lz4Sequences.Write(new Lz4Seq([], 1, 20), new Lz4Seq(new byte[12])), 32).Offset);
    }

    [Fact]
    public void Lz4_last_match_MUST_start_at_least_12_bytes_before_the_end()
    {
        var q = VectorCatalog.Lz4Base();
        // The match at 245 is 11 bytes before the end of 256; its token is at 1 + 1 + 16 + 2 + 1 = 21.
        Assert.Equal(21, Rejects(Lz4Sequences.Write(q[0], new Lz4Seq(new byte[1], 4, 4), new Lz4Seq(new byte[7])), 256).Offset);
        // Exactly 12 bytes before the end is allowed.
        Lz4Block.Check(Lz4Sequences.Write(q[0] with { Match = 224 }, new Lz4Seq(new byte[1], 4, 4), new Lz4Seq(new byte[11])), 256);
        // Hence a block of 12 bytes or fewer has no match at all.
        Rejects(Lz4Sequences.Write(new Lz4Seq(new byte[1], 1, 4), new Lz4Seq(new byte[7])), 12);
    }

    [Fact]
    public void Lz4_last_5_bytes_MUST_be_literals()
    {
        var q = VectorCatalog.Lz4Base();
        Assert.Equal(0, Rejects(Lz4Sequences.Write(q[0] with { Match = 236 }, new Lz4Seq(new byte[4])), 256).Offset);
        Lz4Block.Check(Lz4Sequences.Write(q[0] with { Match = 235 }, new Lz4Seq(new byte[5])), 256);
    }

    [Fact]
    public void Lz4_last_sequence_MUST_be_literals_only()
    {
        var q = VectorCatalog.Lz4Base();
        Assert.Contains("ends with a match", Rejects(Lz4Sequences.Write(q[0] with { Match = 240 }), 256).Message);
        var block = Base();
        block[^13] |= 0x01; // match-length bits in the final token
        Assert.Equal(block.Length - 13, Rejects(block, 256).Offset);
    }

    [Fact]
    public void Lz4_block_MUST_decode_to_exactly_the_declared_length()
    {
        var q = VectorCatalog.Lz4Base();
        Rejects(Base(), 257);
        Rejects(Base(), 255);
        Rejects(Lz4Sequences.Write(q[0], new Lz4Seq(new byte[11])), 256);
        Rejects(Lz4Sequences.Write(q[0], new Lz4Seq(new byte[13])), 256);
        Rejects(Lz4Sequences.Write(q[0] with { Match = 300 }, new Lz4Seq(new byte[12])), 256);
        // A literal run longer than the block itself.
        Rejects([0xF0, 0xFF, 0x10, 1, 2, 3], 1000);
    }

    [Fact]
    public void Lz4_block_MUST_NOT_have_trailing_bytes()
    {
        var block = Base();
        Assert.Equal(block.Length, Rejects([.. block, 0x00], 256).Offset);
    }

    [Fact]
    public void Every_truncation_of_a_valid_block_is_rejected()
    {
        var block = Base();
        for (int n = 0; n < block.Length; n++) Rejects(block[..n], 256);
    }

    [Fact]
    public void The_empty_block_is_one_zero_token()
    {
        Lz4Block.Check([0x00], 0);
        Rejects([], 0);
        Rejects([0x00, 0x00], 0);
    }

    [Fact]
    public void Offset_zero_in_a_value_section_fails_validation_and_every_value_read()
    {
        var bytes = VectorCatalog.All.Single(v => v.File == "invalid/lz4_offset_zero.shira").Build();
        using var reader = ShiraReader.Open(bytes);
        var w = reader.Tensors[0];
        var report = reader.Validate();
        Assert.False(report.IsValid);
        Assert.Equal(ShiraErrorCode.CodecError, report.Issues[0].Code);
        Assert.Equal(w.ValueSectionOffset + 18, report.Issues[0].Offset);
        Assert.Equal(ShiraErrorCode.CodecError, Assert.Throws<ShiraException>(() => reader.GetValueBytes(w).Length).Code);
        Assert.Equal(ShiraErrorCode.CodecError, Assert.Throws<ShiraException>(() => reader.ReadValues(w, new float[64])).Code);
    }

    [Fact]
    public void Every_read_path_of_an_LZ4_index_section_goes_through_the_block_check()
    {
        var img = ContainerImage.Parse(VectorCatalog.Lz4Values(Base()));
        // Index section 0: 64 raw u32 indices (256 bytes) as a block with a match of offset 0.
        img.ReplaceSection(0, Lz4Sequences.Write([VectorCatalog.Lz4Base()[0] with { Offset = 0 }, VectorCatalog.Lz4Base()[1]]), P.SectionCodec.Lz4Block, 256);
        var bytes = img.Build();
        Assert.Equal(ShiraErrorCode.CodecError, FuzzEntry.Check(bytes));
        using var reader = ShiraReader.Open(bytes);
        var w = reader.Tensors[0];
        Assert.Equal(ShiraErrorCode.CodecError, reader.Validate().Issues[0].Code);
        Assert.Equal(w.IndexSectionOffset + 18, reader.Validate().Issues[0].Offset);
        Assert.Equal(ShiraErrorCode.CodecError, Assert.Throws<ShiraException>(() => reader.ReadIndices(w, new long[64])).Code);
        Assert.Equal(ShiraErrorCode.CodecError, Assert.Throws<ShiraException>(() => reader.ReadIndices(w, new uint[64])).Code);
        Assert.Equal(ShiraErrorCode.CodecError, Assert.Throws<ShiraException>(() => reader.CheckIndices(w)).Code);
    }

    [Fact]
    public void Only_the_block_check_calls_an_LZ4_decoder()
    {
        var src = Path.Combine(Shira.Testing.RepoPaths.Root, "src");
        var callers = Directory.EnumerateFiles(src, "*.cs", SearchOption.AllDirectories)
            .Where(f => !f.Contains($"{Path.DirectorySeparatorChar}obj{Path.DirectorySeparatorChar}"))
            .Where(f => File.ReadAllText(f) is var t && (t.Contains("LZ4Codec.Decode") || t.Contains("LZ4Pickler.Unpickle")))
            .Select(f => Path.GetFileName(f)).ToArray();
        Assert.Equal(new[] { "Lz4Block.cs" }, callers);
    }

    // At least one byte: an LZ4 section is smaller than its decoded length (§7.1), so none decodes to nothing (and
    // K4os's HC levels write the empty input as no bytes at all, which is not a block).
    private static readonly Gen<byte[]> Data = Gen.OneOf(
        Gen.Byte.Array[1, 3000],
        Gen.Byte[0, 3].Array[1, 3000],
        Gen.Select(Gen.Byte.Array[1, 40], Gen.Int[1, 200]).Select((unit, times) => Enumerable.Repeat(unit, times).SelectMany(b => b).ToArray()));

    private static readonly Gen<LZ4Level> Level = Gen.OneOf(Gen.Const(LZ4Level.L00_FAST), Gen.Const(LZ4Level.L03_HC), Gen.Const(LZ4Level.L09_HC), Gen.Const(LZ4Level.L12_MAX));

    private static byte[] Encode(byte[] data, LZ4Level level)
    {
        var buffer = new byte[LZ4Codec.MaximumOutputSize(data.Length)];
        return buffer[..LZ4Codec.Encode(data, buffer, level)];
    }

    [Fact]
    public void Every_block_K4os_writes_passes_the_check_and_decodes_to_its_input()
    {
        Gen.Select(Data, Level).Sample((data, level) =>
        {
            var block = Encode(data, level);
            Lz4Block.Check(block, data.Length);
            var output = new byte[data.Length];
            Lz4Block.Decode(block, output);
            Assert.Equal(data, output);
            Assert.Equal(data, Lz4Sequences.Decode(block, data.Length));
        }, iter: 400);
    }

    [Fact]
    public void A_mutated_block_is_rejected_or_decodes_to_what_the_reference_decoder_and_K4os_give()
    {
        var mutation = Gen.Select(Gen.Int[0, 4], Gen.Int[0, int.MaxValue], Gen.Byte, Gen.Int[-1, 1]);
        Gen.Select(Data, Level, mutation).Sample((data, level, m) =>
        {
            var (kind, at, value, lengthDelta) = m;
            var block = Encode(data, level).ToList();
            int pos = block.Count == 0 ? 0 : at % block.Count;
            switch (kind)
            {
                case 0 when block.Count > 0: block[pos] = value; break;
                case 1: block.Insert(pos, value); break;
                case 2 when block.Count > 0: block.RemoveAt(pos); break;
                case 3: block.RemoveRange(pos, block.Count - pos); break;
                default: if (block.Count > 0) block[pos] ^= (byte)(1 << (value & 7)); break;
            }
            int declared = Math.Max(0, data.Length + lengthDelta);
            var bytes = block.ToArray();
            try
            {
                Lz4Block.Check(bytes, declared);
            }
            catch (ShiraException e) when (e.Code == ShiraErrorCode.CodecError)
            {
                return; // rejected
            }
            var reference = Lz4Sequences.Decode(bytes, declared);
            Assert.NotNull(reference);
            Assert.Equal(declared, reference!.Length);
            var k4os = new byte[declared];
            Assert.Equal(declared, LZ4Codec.Decode(bytes, k4os));
            Assert.Equal(reference, k4os);
            var ours = new byte[declared];
            Lz4Block.Decode(bytes, ours);
            Assert.Equal(reference, ours);
        }, iter: 3000);
    }
}
