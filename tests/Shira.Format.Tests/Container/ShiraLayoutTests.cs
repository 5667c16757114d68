using Shira.Format.Container;

namespace Shira.Format.Tests.Container;

/// <summary>The field offsets derived from field widths are spec/SPEC.md §3's numbers, and each table fills its
/// structure exactly.</summary>
public sealed class ShiraLayoutTests
{
    [Fact]
    public void Header_fields_sit_where_the_spec_puts_them_and_fill_16_bytes()
    {
        Assert.Equal([8, 10, 12], new[] { ShiraLayout.HeaderMajorAt, ShiraLayout.HeaderMinorAt, ShiraLayout.HeaderFlagsAt });
        Assert.Equal(ShiraLayout.HeaderSize, ShiraLayout.HeaderEnd);
        Assert.Equal(ShiraLayout.HeaderMajorAt, ShiraLayout.HeaderMagic.Length);
    }

    [Fact]
    public void Trailer_fields_sit_where_the_spec_puts_them_and_fill_64_bytes()
    {
        Assert.Equal([0, 8, 16, 24, 32, 34, 36, 40, 48, 56], new[]
        {
            ShiraLayout.TrailerManifestOffsetAt, ShiraLayout.TrailerManifestLengthAt, ShiraLayout.TrailerManifestHashAt,
            ShiraLayout.TrailerFileLengthAt, ShiraLayout.TrailerMajorAt, ShiraLayout.TrailerMinorAt, ShiraLayout.TrailerFlagsAt,
            ShiraLayout.TrailerReservedAt, ShiraLayout.TrailerHashAt, ShiraLayout.TrailerMagicAt,
        });
        Assert.Equal(ShiraLayout.TrailerSize, ShiraLayout.TrailerEnd);
        Assert.Equal(ShiraLayout.TrailerEnd - ShiraLayout.TrailerMagicAt, ShiraLayout.TrailerMagic.Length);
    }
}
