using CsCheck;
using Shira.Format.Codecs;

namespace Shira.Format.Tests.Codecs;

/// <summary>Hostile bytes either decode to a valid set or throw <see cref="ShiraException"/>; nothing else escapes.</summary>
public class IndexCodecFuzzTests
{
    /// <summary>Decodes with both overloads; returns whether the bytes were accepted.</summary>
    private static bool DecodeOrReject(IndexEncoding encoding, byte[] bytes, long numel, int count)
    {
        var wide = new long[count];
        bool accepted;
        ShiraException? decodeError = null;
        try
        {
            IndexCodec.Decode(encoding, bytes, numel, wide);
            IndexSets.AssertValidSet(wide, numel);
            accepted = true;
        }
        catch (ShiraException ex)
        {
            accepted = false;
            decodeError = ex;
        }
        // Validate (no destination) reaches the same verdict, code and offset.
        try
        {
            IndexCodec.Validate(encoding, bytes, numel, count);
            Assert.True(accepted, "Validate accepted bytes Decode rejected");
        }
        catch (ShiraException ex)
        {
            Assert.NotNull(decodeError);
            Assert.Equal(decodeError.Code, ex.Code);
            Assert.Equal(decodeError.Offset, ex.Offset);
        }
        if (numel <= IndexCodec.RawU32MaxNumel)
        {
            var narrow = new uint[count];
            try
            {
                IndexCodec.Decode(encoding, bytes, numel, narrow);
                Assert.True(accepted, "the u32 overload accepted bytes the long overload rejected");
                IndexSets.AssertSame(wide, narrow);
            }
            catch (ShiraException)
            {
                Assert.False(accepted, "the u32 overload rejected bytes the long overload accepted");
            }
        }
        return accepted;
    }

    [Fact]
    public void Random_byte_strings_decode_to_a_valid_set_or_throw_ShiraException()
    {
        var numels = new[] { 1L, 100, 1000, 1L << 24, 1L << 32, (1L << 32) + 5, long.MaxValue };
        Gen.Select(Gen.Int[1, 4], Gen.Byte.Array[0, 400], Gen.Int[0, numels.Length - 1], Gen.Int[0, 40], Gen.Bool)
            .Sample((e, bytes, n, count, plausible) =>
            {
                var encoding = (IndexEncoding)e;
                if (plausible && bytes.Length >= 16 && encoding is IndexEncoding.DeltaBitPacked or IndexEncoding.DeltaVarint)
                {
                    // Give the header a fighting chance so the fuzzer reaches the skip table and blocks.
                    bytes[0] = encoding == IndexEncoding.DeltaBitPacked ? (byte)0x42 : (byte)0x56;
                    bytes[1] = 1;
                    bytes[2] = 4;
                    for (int i = 3; i < 16; i++) bytes[i] = 0;
                    bytes[8] = (byte)count;
                    for (int i = 16; i + 16 <= Math.Min(bytes.Length, 16 + 16 * 3); i += 16)
                        for (int j = 8; j < 16; j++) bytes[i + j] = j == 8 ? bytes[i + j] : (byte)0;
                }
                DecodeOrReject(encoding, bytes, numels[n], count);
            }, iter: 3000);
    }

    [Fact]
    public void Every_single_bit_flip_of_valid_encodings_decodes_validly_or_throws_ShiraException()
    {
        var cases = new (long Numel, long[] Indices)[]
        {
            (1L << 20, IndexSets.Random(1L << 20, 0.01, seed: 1, cap: 40)),          // one block
            (1000, IndexSets.Runs(1000, seed: 2, maxRun: 20, maxGap: 40, cap: 300)), // two blocks
            (long.MaxValue, [0, 1L << 40, (1L << 40) + 1, long.MaxValue - 1]),
        };
        int rejected = 0, accepted = 0;
        foreach (var (numel, indices) in cases)
            foreach (var encoding in IndexSets.ByteEncodings)
            {
                if (encoding == IndexEncoding.RawU32 && numel > IndexCodec.RawU32MaxNumel) continue;
                // Raw bytes have no structure to hit; the small set covers them, the large ones target the blocks.
                if (encoding is IndexEncoding.RawU32 or IndexEncoding.RawU64 && indices.Length > 50) continue;
                byte[] valid = IndexCodec.Encode(encoding, indices, numel);
                for (int bit = 0; bit < valid.Length * 8; bit++)
                {
                    byte[] bytes = (byte[])valid.Clone();
                    bytes[bit >> 3] ^= (byte)(1 << (bit & 7));
                    if (DecodeOrReject(encoding, bytes, numel, indices.Length)) accepted++;
                    else rejected++;
                }
                for (int length = 0; length < valid.Length; length++)
                    Assert.False(DecodeOrReject(encoding, valid[..length], numel, indices.Length), $"{encoding} truncated to {length} accepted");
            }
        // Raw flips of high bits are often still valid sets; most flips of any encoding are caught.
        Assert.True(rejected > accepted, $"{rejected} rejected, {accepted} accepted");
    }
}
