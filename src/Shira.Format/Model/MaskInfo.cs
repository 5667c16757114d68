namespace Shira.Format;

/// <summary>How a tensor's mask was made. Metadata only: the stored indices are authoritative, except for a
/// <see cref="IndexEncoding.Structured"/> index set, whose indices are derived from <see cref="Rows"/>,
/// <see cref="Columns"/> and <see cref="Diagonal"/>.</summary>
public sealed record MaskInfo
{
    /// <summary>The strategy.</summary>
    public MaskStrategy Strategy { get; init; } = MaskStrategy.Unspecified;

    /// <summary>The target density (nnz / numel) the mask was made for, or 0 when not recorded.</summary>
    public double Density { get; init; }

    /// <summary>The random seed, when the strategy uses one.</summary>
    public ulong? Seed { get; init; }

    /// <summary>PEFT's <c>r</c> (budget r·(in+out)), when the mask was sized by rank; 0 when not.</summary>
    public int Rank { get; init; }

    /// <summary>For a structured mask: the fully trainable rows (sorted, unique).</summary>
    public IReadOnlyList<long> Rows { get; init; } = [];

    /// <summary>For a structured mask: the fully trainable columns (sorted, unique).</summary>
    public IReadOnlyList<long> Columns { get; init; } = [];

    /// <summary>For a structured mask: whether the main diagonal is included.</summary>
    public bool Diagonal { get; init; }

    /// <summary>Free-form description (for <see cref="MaskStrategy.Custom"/>).</summary>
    public string Description { get; init; } = "";

    /// <summary>Value equality including the lists.</summary>
    public bool Equals(MaskInfo? other) =>
        other is not null && Strategy == other.Strategy && Density.Equals(other.Density) && Seed == other.Seed &&
        Rank == other.Rank && Diagonal == other.Diagonal && Description == other.Description &&
        Rows.SequenceEqual(other.Rows) && Columns.SequenceEqual(other.Columns);

    /// <inheritdoc />
    public override int GetHashCode() => HashCode.Combine(Strategy, Density, Seed, Rank, Rows.Count, Columns.Count, Diagonal);
}
