using Shira.Format;

namespace Shira.Training.Masks;

/// <summary>
/// The trainable positions of one [<see cref="Rows"/>, <see cref="Cols"/>] weight: flat row-major indices,
/// strictly increasing, and how they were chosen. For <see cref="MaskStrategy.Structured"/> masks
/// <see cref="Info"/> holds the rows, columns and diagonal flag so that the .shira stores no per-element index.
/// </summary>
/// <param name="Rows">Rows of the weight (out_features for a linear layer).</param>
/// <param name="Cols">Columns of the weight (in_features).</param>
/// <param name="Indices">Flat positions row·Cols + col, strictly increasing.</param>
/// <param name="Info">Strategy, density, seed, rank and, for structured masks, the row/column lists.</param>
public sealed record SparseMask(long Rows, long Cols, long[] Indices, MaskInfo Info)
{
    /// <summary>Number of trainable entries (nnz).</summary>
    public long Count => Indices.LongLength;

    /// <summary>Element count of the weight.</summary>
    public long Numel => Rows * Cols;

    /// <summary>True when the indices are the structured union described by <see cref="Info"/>.</summary>
    public bool IsStructured => Info.Strategy == MaskStrategy.Structured;
}
