using System.Buffers.Binary;
using CsCheck;
using Shira.Format.Codecs;

namespace Shira.Format.Tests.Codecs;

/// <summary>
/// A slow, bit-by-bit encoder written from the spec text (docs/notes/codecs.md, spec §Index encodings) with the
/// choices a writer is free to make — any block size 2^4..2^16, any valid Rice k per block, any varint length that
/// holds the gap — so the decoders are tested on valid encodings our writer never produces.
/// </summary>
public class ReferenceEncoderTests
{
    private static byte[] EncodeReference(bool bitPacked, long[] x, int log2Block, Func<int, ulong[], int> chooseK, Func<ulong, int> chooseCode)
    {
        int blockSize = 1 << log2Block;
        int blocks = (x.Length + blockSize - 1) / blockSize;
        var bodies = new List<byte[]>();
        for (int b = 0; b < blocks; b++)
        {
            var block = x.Skip(b * blockSize).Take(blockSize).ToArray();
            var gaps = new ulong[block.Length - 1];
            for (int j = 1; j < block.Length; j++) gaps[j - 1] = (ulong)(block[j] - block[j - 1] - 1);
            bodies.Add(bitPacked ? RiceBlock(gaps, chooseK(b, gaps)) : VarintBlock(gaps, chooseCode));
        }
        var output = new List<byte> { bitPacked ? (byte)0x42 : (byte)0x56, 1, (byte)log2Block, 0, 0, 0, 0, 0 };
        output.AddRange(U64((ulong)x.Length));
        long offset = 0;
        for (int b = 0; b < blocks; b++)
        {
            output.AddRange(U64((ulong)x[b * blockSize]));
            output.AddRange(U64((ulong)offset));
            offset += bodies[b].Length;
        }
        foreach (var body in bodies) output.AddRange(body);
        return [.. output];
    }

    private static byte[] U64(ulong v)
    {
        var b = new byte[8];
        BinaryPrimitives.WriteUInt64LittleEndian(b, v);
        return b;
    }

    /// <summary>Bits LSB-first: bit t is bit t%8 of byte t/8.</summary>
    private static byte[] Pack(List<bool> bits)
    {
        var bytes = new byte[(bits.Count + 7) / 8];
        for (int t = 0; t < bits.Count; t++)
            if (bits[t]) bytes[t / 8] |= (byte)(1 << (t % 8));
        return bytes;
    }

    /// <summary>One DELTA_BITPACKED block body written bit by bit from the spec text (also used by IndexBlocksTests).</summary>
    internal static byte[] RiceBlock(ulong[] gaps, int k)
    {
        var low = new List<bool>();
        var unary = new List<bool>();
        foreach (ulong g in gaps)
        {
            for (int t = 0; t < k; t++) low.Add(((g >> t) & 1) != 0);
            for (ulong z = 0; z < g >> k; z++) unary.Add(false);
            unary.Add(true);
        }
        return [(byte)k, .. Pack(low), .. Pack(unary)];
    }

    private static byte[] VarintBlock(ulong[] gaps, Func<ulong, int> chooseCode)
    {
        var control = new byte[(gaps.Length + 3) / 4];
        var data = new List<byte>();
        for (int j = 0; j < gaps.Length; j++)
        {
            int code = chooseCode(gaps[j]);
            control[j / 4] |= (byte)(code << (2 * (j % 4)));
            for (int t = 0; t < 1 << code; t++) data.Add((byte)(gaps[j] >> (8 * t)));
        }
        return [.. control, .. data];
    }

    private static int MinimalCode(ulong g) => g < 0x100 ? 0 : g < 0x1_0000 ? 1 : g < 0x1_0000_0000 ? 2 : 3;

    private static void AssertDecodes(IndexEncoding encoding, byte[] bytes, long[] x, long numel)
    {
        var wide = new long[x.Length];
        IndexCodec.Decode(encoding, bytes, numel, wide);
        IndexSets.AssertSame(x, wide);
        IndexCodec.Validate(encoding, bytes, numel, x.Length);
        if (numel <= IndexCodec.RawU32MaxNumel)
        {
            var narrow = new uint[x.Length];
            IndexCodec.Decode(encoding, bytes, numel, narrow);
            IndexSets.AssertSame(x, narrow);
        }
    }

    [Fact]
    public void Our_writer_matches_the_reference_encoder_byte_for_byte()
    {
        Gen.Select(Gen.Long[1, 1L << 40], Gen.Int[0, 6], Gen.Int)
            .Sample((numel, d, seed) =>
            {
                double p = new[] { 1e-6, 0.001, 0.01, 0.02, 0.3, 0.9, 1.0 }[d];
                long n = Math.Min(numel, (long)(20_000 / p) + 1);
                long[] x = IndexSets.Random(n, p, seed, cap: 3000);
                // The writer's k rule, restated: smallest k minimising Σ(g >> k) + m(k + 1).
                int WriterK(int _, ulong[] gaps)
                {
                    int best = 0;
                    ulong bestCost = ulong.MaxValue;
                    for (int k = 0; k <= 62; k++)
                    {
                        ulong cost = (ulong)gaps.Length * (ulong)(k + 1);
                        foreach (ulong g in gaps) cost += g >> k;
                        if (cost < bestCost) { bestCost = cost; best = k; }
                    }
                    return best;
                }
                Assert.Equal(EncodeReference(true, x, 8, WriterK, MinimalCode), IndexCodec.Encode(IndexEncoding.DeltaBitPacked, x, n));
                Assert.Equal(EncodeReference(false, x, 8, WriterK, MinimalCode), IndexCodec.Encode(IndexEncoding.DeltaVarint, x, n));
            }, iter: 40);
    }

    [Fact]
    public void Decoders_accept_any_block_size_any_k_and_any_sufficient_varint_length()
    {
        Gen.Select(Gen.Long[2, long.MaxValue], Gen.Int[4, 16], Gen.Int[0, 2000], Gen.Int)
            .Sample((numel, log2Block, count, seed) =>
            {
                var rng = new Random(seed);
                // Mostly small gaps with occasional huge ones, so that large k and long unary runs both occur.
                long[] x = numel < 1L << 20
                    ? IndexSets.Random(numel, rng.NextDouble(), seed, cap: count)
                    : IndexSets.Runs(numel, seed, maxRun: 1 + rng.Next(50), maxGap: 1L << rng.Next(1, 62), cap: count);
                int RandomK(int block, ulong[] gaps)
                {
                    // Any k is valid as long as the quotients stay reasonable (the reference writes them bit by bit).
                    ulong max = gaps.Length == 0 ? 0 : gaps.Max();
                    int minK = max == 0 ? 0 : Math.Max(0, 64 - System.Numerics.BitOperations.LeadingZeroCount(max) - 8);
                    return rng.Next(minK, 63);
                }
                int RandomCode(ulong g) => rng.Next(MinimalCode(g), 4);
                AssertDecodes(IndexEncoding.DeltaBitPacked, EncodeReference(true, x, log2Block, RandomK, RandomCode), x, numel);
                AssertDecodes(IndexEncoding.DeltaVarint, EncodeReference(false, x, log2Block, RandomK, RandomCode), x, numel);
            }, iter: 150);
    }

    [Theory]
    [InlineData(30, 31)] // low area of 240 KB: the fast path with a pooled (not stack) padded copy
    [InlineData(40, 41)] // k + log2(unary bits) above 56: the checked path
    public void Large_blocks_with_wide_low_areas_decode(int k, int gapBits)
    {
        long numel = long.MaxValue;
        var rng = new Random(5);
        var x = new long[70_000];
        long v = 0;
        for (int i = 0; i < x.Length; i++) x[i] = v += 1 + rng.NextInt64(1L << gapBits);
        byte[] bytes = EncodeReference(true, x, 16, (_, _) => k, MinimalCode);
        AssertDecodes(IndexEncoding.DeltaBitPacked, bytes, x, numel);
    }
}
