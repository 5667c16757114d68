using Shira.Format.Codecs;

namespace Shira.Format.Tests.Codecs;

/// <summary>Encoded sizes are deterministic, so the size target is a real assertion.</summary>
public class IndexCodecSizeTests
{
    [Fact]
    public void One_percent_random_mask_on_4096x4096_costs_at_most_1_15x_its_entropy_bound()
    {
        const long Numel = 4096L * 4096;
        // A Bernoulli(0.01) mask, as PEFT's random mask is uniformly random.
        var rng = new Random(2024);
        var mask = new List<long>(200_000);
        for (long i = 0; i < Numel; i++)
            if (rng.NextDouble() < 0.01) mask.Add(i);
        long[] indices = [.. mask];

        double bound = IndexSets.EntropyBitsPerIndex(Numel, indices.Length);
        Assert.InRange(bound, 8.0, 8.2); // ≈ 8.1 bits at 1%
        long bytes = IndexCodec.EncodedLength(IndexEncoding.DeltaBitPacked, indices, Numel);
        double bitsPerIndex = 8.0 * bytes / indices.Length;
        Assert.True(bitsPerIndex <= 1.15 * bound, $"{bitsPerIndex:F3} bits per index > 1.15 × {bound:F3}");
        Assert.Equal(IndexEncoding.DeltaBitPacked, IndexCodec.ChooseSmallest(indices, Numel));
    }

    [Fact]
    public void Varint_stays_below_raw_u32_at_one_percent()
    {
        long[] indices = IndexSets.Random(4096L * 4096, 0.01, seed: 3);
        Assert.True(IndexCodec.EncodedLength(IndexEncoding.DeltaVarint, indices, 4096L * 4096) < 4L * indices.Length);
    }

    [Fact]
    public void Full_tensor_prefers_bitpacked_over_raw_and_costs_about_one_bit()
    {
        // 100% density: every gap-minus-one is 0 → k = 0, one bit per index plus the skip table.
        long[] indices = [.. Enumerable.Range(0, 4096).Select(i => (long)i)];
        long bytes = IndexCodec.EncodedLength(IndexEncoding.DeltaBitPacked, indices, 4096);
        Assert.Equal(16 + 16 * 16 + 16 * (1 + 32), bytes); // 16 blocks: k byte + 255 bits → 32 bytes
    }
}
