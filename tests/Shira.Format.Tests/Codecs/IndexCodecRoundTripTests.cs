using CsCheck;
using Shira.Format.Codecs;

namespace Shira.Format.Tests.Codecs;

public class IndexCodecRoundTripTests
{
    private static readonly double[] Densities = [0, 1e-5, 0.005, 0.01, 0.02, 0.5, 1.0];

    /// <summary>Encodes with every byte encoding and checks both decode overloads, the exact length and ChooseSmallest.</summary>
    internal static void AssertRoundTrips(long[] indices, long numel)
    {
        var lengths = new Dictionary<IndexEncoding, long>();
        foreach (var encoding in IndexSets.ByteEncodings)
        {
            if (encoding == IndexEncoding.RawU32 && numel > IndexCodec.RawU32MaxNumel)
            {
                Assert.ThrowsAny<ArgumentException>(() => IndexCodec.Encode(encoding, indices, numel));
                continue;
            }
            byte[] bytes = IndexCodec.Encode(encoding, indices, numel);
            Assert.Equal(bytes.Length, IndexCodec.EncodedLength(encoding, indices, numel));
            lengths[encoding] = bytes.Length;

            IndexCodec.Validate(encoding, bytes, numel, indices.Length);
            var decoded = new long[indices.Length];
            IndexCodec.Decode(encoding, bytes, numel, decoded);
            IndexSets.AssertSame(indices, decoded);

            if (numel <= IndexCodec.RawU32MaxNumel)
            {
                var narrow = new uint[indices.Length];
                IndexCodec.Decode(encoding, bytes, numel, narrow);
                IndexSets.AssertSame(indices, narrow);
            }
            else
            {
                Assert.ThrowsAny<ArgumentException>(() => IndexCodec.Decode(encoding, bytes, numel, new uint[indices.Length]));
            }

            // Unaligned input inside a larger buffer decodes the same.
            var shifted = new byte[bytes.Length + 3];
            bytes.CopyTo(shifted, 1);
            var again = new long[indices.Length];
            IndexCodec.Decode(encoding, shifted.AsSpan(1, bytes.Length), numel, again);
            IndexSets.AssertSame(indices, again);
        }

        var chosen = IndexCodec.ChooseSmallest(indices, numel);
        long min = lengths.Values.Min();
        Assert.Equal(min, lengths[chosen]);
        // Ties go to the first in the order RawU32, RawU64, DeltaBitPacked, DeltaVarint.
        Assert.Equal(IndexSets.ByteEncodings.First(e => lengths.TryGetValue(e, out long l) && l == min), chosen);
    }

    [Fact]
    public void Random_masks_over_random_sizes_and_densities_round_trip()
    {
        Gen.Select(Gen.Long[1, 10_000_000], Gen.Int[0, Densities.Length - 1], Gen.Int)
            .Sample((numel, d, seed) =>
            {
                double p = Densities[d];
                // Keep each case small: dense masks get a smaller tensor.
                long n = Math.Min(numel, p > 0 ? (long)(50_000 / p) + 1 : numel);
                AssertRoundTrips(IndexSets.Random(n, p, seed), n);
            }, iter: 60);
    }

    [Fact]
    public void Consecutive_runs_round_trip()
    {
        Gen.Select(Gen.Long[1, 10_000_000], Gen.Int[1, 600], Gen.Long[1, 1 << 20], Gen.Int)
            .Sample((numel, maxRun, maxGap, seed) =>
                AssertRoundTrips(IndexSets.Runs(numel, seed, maxRun, maxGap, 20_000), numel), iter: 40);
    }

    [Fact]
    public void Tensors_above_2_pow_32_elements_round_trip_through_u64_and_delta_paths()
    {
        Gen.Select(Gen.Long[(1L << 32) + 1, long.MaxValue], Gen.Int[0, 600], Gen.Int)
            .Sample((numel, count, seed) =>
            {
                var rng = new Random(seed);
                var set = new SortedSet<long>();
                while (set.Count < count) set.Add(rng.NextInt64(0, numel));
                AssertRoundTrips([.. set], numel);
            }, iter: 40);
    }

    public static TheoryData<long, long[]> Adversarial()
    {
        const long Big = long.MaxValue;
        var data = new TheoryData<long, long[]>
        {
            { 1, [] },
            { 1, [0] },
            { 10, [9] },
            { 10, [0, 9] },
            { 1L << 32, [0, (1L << 32) - 1] },
            { (1L << 32) + 1, [1L << 32] },
            { Big, [0, Big - 1] },
            { Big, [Big - 1] },
            { Big, [0, 1, 2, Big - 3, Big - 2, Big - 1] },
            { Big, [(1L << 62) - 1, 1L << 62, (1L << 62) + (1L << 61)] },
        };
        foreach (int count in new[] { 15, 16, 17, 255, 256, 257, 511, 512, 513, 65535, 65536, 65537 })
        {
            data.Add(count, Enumerable.Range(0, count).Select(i => (long)i).ToArray());             // 100% dense
            data.Add(count * 1000L, Enumerable.Range(0, count).Select(i => i * 1000L + 999).ToArray()); // index numel-1
        }
        // Gaps around every varint length boundary and the Rice fast/slow path boundary.
        var gaps = new List<long> { 0 };
        foreach (int bits in new[] { 8, 16, 32, 56, 57, 58 })
            gaps.Add(gaps[^1] + (1L << bits) - 1 + 1);
        data.Add(Big, [.. gaps]);
        // One huge gap among tiny ones inside a block.
        data.Add(Big, [.. Enumerable.Range(0, 300).Select(i => i < 150 ? i : (1L << 60) + i)]);
        return data;
    }

    [Theory]
    [MemberData(nameof(Adversarial))]
    public void Adversarial_sets_round_trip(long numel, long[] indices) => AssertRoundTrips(indices, numel);

    [Fact]
    public void Empty_set_encodes_to_header_or_nothing()
    {
        Assert.Empty(IndexCodec.Encode(IndexEncoding.RawU32, [], 5));
        Assert.Equal(16, IndexCodec.Encode(IndexEncoding.DeltaBitPacked, [], 5).Length);
        Assert.Equal(IndexEncoding.RawU32, IndexCodec.ChooseSmallest([], 5));
    }

    [Fact]
    public void Delta_layout_matches_the_spec_bytes()
    {
        // Hand-computed from the spec: indices 3, 5, 6, 10 → first 3, gaps-minus-one 1, 0, 3.
        // Rice cost: k=0 → 2+1+4 = 7 bits, k=1 → 3·2 + (0+0+1) = 7 → smallest k on ties: 0.
        // Bits (LSB first): g=1 → "01", g=0 → "1", g=3 → "0001" → stream 0,1,1,0,0,0,1 → byte 0b0100_0110 = 0x46.
        byte[] bytes = IndexCodec.Encode(IndexEncoding.DeltaBitPacked, [3, 5, 6, 10], 11);
        byte[] expected =
        [
            0x42, 1, 8, 0, 0, 0, 0, 0, 4, 0, 0, 0, 0, 0, 0, 0, // header: tag, version, log2 256, count 4
            3, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,    // skip entry: first 3, offset 0
            0, 0x46,                                          // block: k = 0, stream
        ];
        Assert.Equal(expected, bytes);

        // Indices 0, 10, 13: gaps-minus-one 9, 2; cost k=1: 5+4, k=2: 2+6, k=3: 1+8 → k = 2.
        // Low bits (2 each, LSB first): 9&3 = 1, 2&3 = 2 → 1,0,0,1 → 0x09. Unary: q = 2, 0 → 0,0,1,1 → 0x0C.
        byte[] wide = IndexCodec.Encode(IndexEncoding.DeltaBitPacked, [0, 10, 13], 20);
        Assert.Equal([2, 0x09, 0x0C], wide[^3..]);
        Assert.Equal(35, wide.Length);

        // Varint, indices 3, 5, 6, 310: gaps-minus-one 1, 0, 303 = 0x012F → codes 0, 0, 1 (bits 4..5), data 01 00 2F 01.
        byte[] varint = IndexCodec.Encode(IndexEncoding.DeltaVarint, [3, 5, 6, 310], 400);
        byte[] expectedVarint =
        [
            0x56, 1, 8, 0, 0, 0, 0, 0, 4, 0, 0, 0, 0, 0, 0, 0,
            3, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
            0b0001_0000, 1, 0, 0x2F, 0x01,
        ];
        Assert.Equal(expectedVarint, varint);
    }
}
