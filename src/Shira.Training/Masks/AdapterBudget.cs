using Shira.Format;

namespace Shira.Training.Masks;

/// <summary>
/// How many weights one adapted layer may train: either a fraction of the layer (<see cref="FromDensity"/>) or
/// LoRA's parameter count at rank r, r·(in+out) (<see cref="FromRank"/>), so SHiRA and LoRA can be compared at
/// equal trainable parameters.
/// </summary>
public sealed record AdapterBudget
{
    private AdapterBudget(double density, int rank)
    {
        Density = density;
        Rank = rank;
    }

    /// <summary>The target fraction nnz / numel, or 0 when the budget is given by <see cref="Rank"/>.</summary>
    public double Density { get; }

    /// <summary>LoRA's rank whose parameter count r·(in+out) is the budget, or 0 when given by <see cref="Density"/>.</summary>
    public int Rank { get; }

    /// <summary>A budget of <paramref name="density"/> × numel entries per layer (0 &lt; density ≤ 1).</summary>
    public static AdapterBudget FromDensity(double density)
    {
        if (!(density > 0 && density <= 1))
            throw new ArgumentOutOfRangeException(nameof(density), $"density must be in (0, 1], got {density}");
        return new AdapterBudget(density, 0);
    }

    /// <summary>A budget of r·(in+out) entries per layer: what a LoRA of rank <paramref name="rank"/> trains.</summary>
    public static AdapterBudget FromRank(int rank)
    {
        if (rank <= 0) throw new ArgumentOutOfRangeException(nameof(rank), $"rank must be positive, got {rank}");
        return new AdapterBudget(0, rank);
    }

    /// <summary>The number of entries K for a [<paramref name="rows"/>, <paramref name="cols"/>] weight
    /// (at least 1, at most rows·cols).</summary>
    public long EntriesFor(long rows, long cols)
    {
        if (rows <= 0 || cols <= 0) throw new ArgumentOutOfRangeException(rows <= 0 ? nameof(rows) : nameof(cols), $"bad layer shape [{rows}, {cols}]");
        long numel = checked(rows * cols);
        long k = Rank > 0 ? checked(Rank * (rows + cols)) : (long)Math.Round(Density * numel, MidpointRounding.ToEven);
        return Math.Clamp(k, 1, numel);
    }

    /// <summary>The LoRA rank with (about) the same parameter count for a [<paramref name="rows"/>,
    /// <paramref name="cols"/>] weight: <see cref="Rank"/> itself, or round(K / (in+out)), at least 1.</summary>
    public int LoraRankFor(long rows, long cols)
    {
        if (Rank > 0) return Rank;
        long k = EntriesFor(rows, cols);
        return (int)Math.Max(1, Math.Round((double)k / (rows + cols), MidpointRounding.ToEven));
    }

    /// <inheritdoc />
    public override string ToString() => Rank > 0 ? $"rank {Rank}" : $"density {Density}";
}
