using CsCheck;
using Shira.Format.Codecs;

namespace Shira.Format.Tests.Codecs;

public class StructuredMaskTests
{
    /// <summary>Brute force: every (r, c) tested against the definition.</summary>
    private static long[] Reference(long rows, long cols, long[] rowList, long[] colList, bool diagonal)
    {
        var result = new List<long>();
        for (long r = 0; r < rows; r++)
            for (long c = 0; c < cols; c++)
                if (Array.IndexOf(rowList, r) >= 0 || Array.IndexOf(colList, c) >= 0 || (diagonal && r == c))
                    result.Add(r * cols + c);
        return [.. result];
    }

    private static Gen<long[]> SubsetOf(long limit) =>
        Gen.Bool.Array[(int)limit].Select(picks => Enumerable.Range(0, picks.Length).Where(i => picks[i] && i % 2 == 0 || picks[i] && i % 3 == 0).Select(i => (long)i).ToArray());

    [Fact]
    public void Count_Generate_and_Matches_agree_with_brute_force()
    {
        Gen.Select(Gen.Long[1, 40], Gen.Long[1, 40], Gen.Bool)
            .SelectMany((rows, cols, diagonal) => Gen.Select(SubsetOf(rows), SubsetOf(cols), (r, c) => (rows, cols, diagonal, r, c)))
            .Sample(t =>
            {
                var (rows, cols, diagonal, rowList, colList) = t;
                long[] expected = Reference(rows, cols, rowList, colList, diagonal);
                Assert.Equal(expected.Length, StructuredMask.Count(rows, cols, rowList, colList, diagonal));
                var generated = new long[expected.Length];
                StructuredMask.Generate(rows, cols, rowList, colList, diagonal, generated);
                IndexSets.AssertSame(expected, generated);
                Assert.True(StructuredMask.Matches(expected, rows, cols, rowList, colList, diagonal));
                // The lists may come as any IReadOnlyList.
                Assert.True(StructuredMask.Matches(expected, rows, cols, rowList.ToList(), colList.ToList(), diagonal));
                if (expected.Length > 0)
                {
                    Assert.False(StructuredMask.Matches(expected[1..], rows, cols, rowList, colList, diagonal));
                    long[] changed = (long[])expected.Clone();
                    changed[^1] = changed[^1] == 0 ? 1 : changed[^1] - 1;
                    if (!changed.SequenceEqual(expected) && changed.Distinct().Count() == changed.Length)
                        Assert.False(StructuredMask.Matches(changed, rows, cols, rowList, colList, diagonal));
                }
            }, iter: 300);
    }

    [Fact]
    public void Matches_rejects_a_shifted_full_row()
    {
        // Row 1 of a 3x4 view: 4..7. Same count, but one element replaced by a non-member.
        long[] rowList = [1];
        long[] good = [4, 5, 6, 7];
        Assert.True(StructuredMask.Matches(good, 3, 4, rowList, [], false));
        Assert.False(StructuredMask.Matches([4, 5, 7, 8], 3, 4, rowList, [], false));
        Assert.False(StructuredMask.Matches([4, 6, 5, 7], 3, 4, rowList, [], false));
    }

    [Fact]
    public void EveryNth_takes_multiples_of_the_stride_from_zero()
    {
        var (rows, cols) = StructuredMask.EveryNth(10, 7, 3);
        Assert.Equal([0L, 3, 6, 9], rows);
        Assert.Equal([0L, 3, 6], cols);
        Assert.Equal([0L], StructuredMask.EveryNth(1, 1, 5).Rows);
        Assert.ThrowsAny<ArgumentException>(() => StructuredMask.EveryNth(10, 7, 0));

        // The SHiRA-Struct mask on 4096x4096 with stride 64: 64 rows + 64 columns + the diagonal.
        var (r, c) = StructuredMask.EveryNth(4096, 4096, 64);
        long expected = 64L * 4096 + (4096L - 64) * 64 + (4096 - 64); // diagonal positions not on a listed row/column
        Assert.Equal(expected, StructuredMask.Count(4096, 4096, r, c, true));
    }

    [Fact]
    public void Large_structured_mask_generates_what_matches_it_and_increases()
    {
        var (r, c) = StructuredMask.EveryNth(1100, 4096, 100);
        long count = StructuredMask.Count(1100, 4096, r, c, true);
        var indices = new long[count];
        StructuredMask.Generate(1100, 4096, r, c, true, indices);
        IndexSets.AssertValidSet(indices, 1100L * 4096);
        Assert.True(StructuredMask.Matches(indices, 1100, 4096, r, c, true));
        Assert.False(StructuredMask.Matches(indices, 1100, 4096, r, c, false));
        // And the codecs carry it too.
        IndexCodecRoundTripTests.AssertRoundTrips(indices, 1100L * 4096);
    }

    [Fact]
    public void Tall_views_with_few_positions_generate_in_time_proportional_to_the_output()
    {
        // A [2^40, 1] view: row 5 and the diagonal (0, 0). Walking every row would never finish.
        long rows = 1L << 40;
        Assert.Equal(2, StructuredMask.Count(rows, 1, [5], [], true));
        var indices = new long[2];
        StructuredMask.Generate(rows, 1, [5], [], true, indices);
        Assert.Equal([0L, 5], indices);
        Assert.True(StructuredMask.Matches([0, 5], rows, 1, [5], [], true));
        Assert.False(StructuredMask.Matches([0, 6], rows, 1, [5], [], true));
        // Only the last row of a [2^40, 3] view.
        var lastRow = new long[3];
        StructuredMask.Generate(rows, 3, [rows - 1], [], false, lastRow);
        Assert.Equal([(rows - 1) * 3, (rows - 1) * 3 + 1, (rows - 1) * 3 + 2], lastRow);
    }

    [Fact]
    public void Invalid_lists_are_bad_structured_masks()
    {
        static ShiraErrorCode Code(Action a) => Assert.Throws<ShiraException>(a).Code;
        Assert.Equal(ShiraErrorCode.BadStructuredMask, Code(() => StructuredMask.Count(4, 4, [1, 1], [], false)));
        Assert.Equal(ShiraErrorCode.BadStructuredMask, Code(() => StructuredMask.Count(4, 4, [2, 1], [], false)));
        Assert.Equal(ShiraErrorCode.BadStructuredMask, Code(() => StructuredMask.Count(4, 4, [4], [], false)));
        Assert.Equal(ShiraErrorCode.BadStructuredMask, Code(() => StructuredMask.Count(4, 4, [], [-1], false)));
        Assert.Equal(ShiraErrorCode.BadStructuredMask, Code(() => StructuredMask.Count(0, 4, [], [], false)));
        Assert.Equal(ShiraErrorCode.BadStructuredMask, Code(() => StructuredMask.Count(long.MaxValue, 4, [], [], false)));
        Assert.Equal(ShiraErrorCode.BadStructuredMask, Code(() => StructuredMask.Generate(4, 4, [1], [], false, new long[3])));
        Assert.Equal(ShiraErrorCode.BadStructuredMask, Code(() => StructuredMask.Matches([1], 4, 4, [], [7], false)));
    }

    [Fact]
    public void View_flattens_trailing_dimensions_and_refuses_rank_1()
    {
        Assert.Equal((3L, 20L), StructuredMask.View([3, 4, 5]));
        Assert.Equal((2L, 60L), StructuredMask.View([2, 3, 4, 5]));
        Assert.Equal((7L, 9L), StructuredMask.View([7, 9]));
        Assert.Equal(ShiraErrorCode.BadStructuredMask, Assert.Throws<ShiraException>(() => StructuredMask.View([10])).Code);
        Assert.Equal(ShiraErrorCode.BadShape, Assert.Throws<ShiraException>(() => StructuredMask.View([])).Code);
        Assert.Equal(ShiraErrorCode.BadShape, Assert.Throws<ShiraException>(() => StructuredMask.View([2, 0])).Code);
        Assert.Equal(ShiraErrorCode.BadShape, Assert.Throws<ShiraException>(() => StructuredMask.View([1L << 40, 1L << 40])).Code);
    }
}
