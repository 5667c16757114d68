using Shira.Format.Codecs;

namespace Shira.Format.Tests.Codecs;

/// <summary>The code shown in docs/notes/codecs.md (README section), kept compiling and true.</summary>
public class ReadmeExampleTests
{
    [Fact]
    public void Readme_example_runs_as_documented()
    {
        long numel = 4096L * 4096;
        long[] mask = IndexSets.Random(numel, 0.01, seed: 1);           // strictly increasing flat positions

        var encoding = IndexCodec.ChooseSmallest(mask, numel);          // DeltaBitPacked for a 1% random mask
        byte[] bytes = IndexCodec.Encode(encoding, mask, numel);        // ≈ 8.7 bits per index
        var decoded = new uint[mask.Length];
        IndexCodec.Decode(encoding, bytes, numel, decoded);             // validates structure, range and order

        var (rows, cols) = StructuredMask.View([4096, 4096]);
        var (r, c) = StructuredMask.EveryNth(rows, cols, 200);          // SHiRA-Struct, ≈ 1%
        var positions = new long[StructuredMask.Count(rows, cols, r, c, diagonal: true)];
        StructuredMask.Generate(rows, cols, r, c, true, positions);

        Assert.Equal(IndexEncoding.DeltaBitPacked, encoding);
        Assert.InRange(8.0 * bytes.Length / mask.Length, 8.3, 9.0);
        IndexSets.AssertSame(mask, decoded);
        Assert.True(StructuredMask.Matches(positions, rows, cols, r, c, true));
        Assert.InRange(positions.Length / (double)numel, 0.009, 0.011);
    }
}
