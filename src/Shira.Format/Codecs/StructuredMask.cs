using System.Numerics;

namespace Shira.Format.Codecs;

/// <summary>
/// SHiRA-Struct masks on a 2-D view [rows, cols] of the tensor (rank &gt; 2 tensors are viewed as
/// [shape[0], product of the rest]; rank-1 tensors cannot be structured): every listed row, every listed column,
/// and optionally the main diagonal (i, i) for i &lt; min(rows, cols). The index set is their union in row-major
/// order; no per-element index is stored.
/// </summary>
public static partial class StructuredMask
{
    /// <summary>The [rows, cols] view of a tensor of this shape; throws <see cref="ShiraErrorCode.BadStructuredMask"/>
    /// for rank 1 and <see cref="ShiraErrorCode.BadShape"/> for a rank outside 1–4, a dimension below 1 or an
    /// element count that overflows.</summary>
    public static (long Rows, long Cols) View(IReadOnlyList<long> shape)
    {
        ArgumentNullException.ThrowIfNull(shape);
        if (shape.Count is < 1 or > 4)
            throw ShiraErrors.BadShape($"rank {shape.Count} is not 1–4");
        long cols = 1;
        for (int i = 0; i < shape.Count; i++)
        {
            if (shape[i] < 1) throw ShiraErrors.BadShape($"dimension {i} is {shape[i]}, not positive");
            if (i > 0 && cols > long.MaxValue / shape[i]) throw ShiraErrors.BadShape("the element count overflows");
            if (i > 0) cols *= shape[i];
        }
        if (shape[0] > long.MaxValue / cols) throw ShiraErrors.BadShape("the element count overflows");
        if (shape.Count == 1)
            throw ShiraErrors.BadStructuredMask("a rank-1 tensor cannot have a structured (rows + columns) mask");
        return (shape[0], cols);
    }

    /// <summary>The number of positions in the union (validates the lists: sorted, unique, in range).</summary>
    public static long Count(long rows, long cols, IReadOnlyList<long> rowList, IReadOnlyList<long> colList, bool diagonal)
    {
        Validate(rows, cols, rowList, colList);
        long count = checked(rowList.Count * cols + (rows - rowList.Count) * colList.Count);
        if (diagonal) count += DiagonalExtra(rows, cols, rowList, colList);
        return count;
    }

    /// <summary>Writes the union in increasing order into <paramref name="destination"/> (length = Count).</summary>
    public static void Generate(long rows, long cols, IReadOnlyList<long> rowList, IReadOnlyList<long> colList, bool diagonal,
        Span<long> destination)
    {
        long count = Count(rows, cols, rowList, colList, diagonal);
        if (count != destination.Length)
            throw ShiraErrors.BadStructuredMask($"the structured mask has {count} positions, not {destination.Length}");
        var sink = new WriteSink(destination);
        Emit(rows, cols, rowList, ToArray(colList), diagonal, ref sink);
    }

    /// <summary>True when <paramref name="indices"/> is exactly the union described (the lists are validated as in
    /// <see cref="Count"/>).</summary>
    public static bool Matches(ReadOnlySpan<long> indices, long rows, long cols, IReadOnlyList<long> rowList,
        IReadOnlyList<long> colList, bool diagonal)
    {
        if (Count(rows, cols, rowList, colList, diagonal) != indices.Length) return false;
        var sink = new CompareSink(indices);
        Emit(rows, cols, rowList, ToArray(colList), diagonal, ref sink);
        return sink.Equal;
    }

    /// <summary>The paper's SHiRA-Struct choice: every <paramref name="stride"/>-th row and column (from 0) plus the diagonal.</summary>
    public static (long[] Rows, long[] Cols) EveryNth(long rows, long cols, long stride)
    {
        if (rows < 1 || cols < 1) ArgumentErrors.Throw($"a [{rows}, {cols}] view has no elements");
        if (stride < 1) ArgumentErrors.OutOfRange(nameof(stride), $"the stride must be at least 1 (got {stride})");
        return (Multiples(rows, stride), Multiples(cols, stride));
    }

    private static long[] Multiples(long limit, long stride)
    {
        long n = (limit - 1) / stride + 1;
        if (n > Array.MaxLength) ArgumentErrors.Throw($"{n} rows or columns do not fit one array");
        var result = new long[n];
        for (long i = 0; i < n; i++) result[i] = i * stride;
        return result;
    }

    private static void Validate(long rows, long cols, IReadOnlyList<long> rowList, IReadOnlyList<long> colList)
    {
        ArgumentNullException.ThrowIfNull(rowList);
        ArgumentNullException.ThrowIfNull(colList);
        if (rows < 1 || cols < 1 || rows > long.MaxValue / cols)
            throw ShiraErrors.BadStructuredMask($"a [{rows}, {cols}] view is not a valid 2-D tensor view");
        CheckList(rowList, rows, "row");
        CheckList(colList, cols, "column");
    }

    private static void CheckList(IReadOnlyList<long> list, long limit, string what)
    {
        long prev = -1;
        for (int i = 0; i < list.Count; i++)
        {
            long v = list[i];
            if (v < 0 || v >= limit)
                throw ShiraErrors.BadStructuredMask($"{what} {v} (entry {i}) is outside 0..{limit - 1}");
            if (v <= prev)
                throw ShiraErrors.BadStructuredMask($"{what}s are not strictly increasing at entry {i} ({v} after {prev})");
            prev = v;
        }
    }

    /// <summary>Diagonal positions i &lt; min(rows, cols) in neither list: m − |R∩[0,m)| − |C∩[0,m)| + |R∩C∩[0,m)|.</summary>
    private static long DiagonalExtra(long rows, long cols, IReadOnlyList<long> rowList, IReadOnlyList<long> colList)
    {
        long m = Math.Min(rows, cols);
        long inRows = 0, inCols = 0, inBoth = 0;
        int r = 0, c = 0;
        while (r < rowList.Count && rowList[r] < m) { inRows++; r++; }
        while (c < colList.Count && colList[c] < m) { inCols++; c++; }
        for (int i = 0, j = 0; i < r && j < c;)
        {
            if (rowList[i] == colList[j]) { inBoth++; i++; j++; }
            else if (rowList[i] < colList[j]) i++;
            else j++;
        }
        return m - inRows - inCols + inBoth;
    }

    private static long[] ToArray(IReadOnlyList<long> list)
    {
        if (list is long[] array) return array;
        var result = new long[list.Count];
        for (int i = 0; i < result.Length; i++) result[i] = list[i];
        return result;
    }

    /// <summary>Walks the union row by row, in increasing order, handing runs to the sink.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Emit<TSink>(long rows, long cols, IReadOnlyList<long> rowList, long[] colList, bool diagonal, ref TSink sink)
        where TSink : struct, ISink, allows ref struct
    {
        int nextRow = 0;
        int colsBefore = 0; // number of listed columns < r, advanced as r grows
        ReadOnlySpan<long> columns = colList;
        for (long r = 0; r < rows; r++)
        {
            if (columns.IsEmpty && !(diagonal && r < cols))
            {
                // Only listed rows contribute from here: jump, so the walk is O(output) even for a [2^40, 1] view.
                if (nextRow == rowList.Count) return;
                r = rowList[nextRow];
            }
            long rowBase = r * cols;
            if (nextRow < rowList.Count && rowList[nextRow] == r)
            {
                nextRow++;
                if (!sink.Range(rowBase, cols)) return;
                continue;
            }
            bool addDiagonal = diagonal && r < cols;
            if (addDiagonal)
            {
                while (colsBefore < columns.Length && columns[colsBefore] < r) colsBefore++;
                addDiagonal = colsBefore == columns.Length || columns[colsBefore] != r;
            }
            if (!addDiagonal)
            {
                if (!sink.Offsets(rowBase, columns)) return;
                continue;
            }
            if (!sink.Offsets(rowBase, columns[..colsBefore]) || !sink.One(rowBase + r) ||
                !sink.Offsets(rowBase, columns[colsBefore..])) return;
        }
    }

    private interface ISink
    {
        /// <summary>start, start+1, …, start+count-1; false stops the walk.</summary>
        bool Range(long start, long count);
        /// <summary>rowBase + each of columns; false stops the walk.</summary>
        bool Offsets(long rowBase, ReadOnlySpan<long> columns);
        /// <summary>One value; false stops the walk.</summary>
        bool One(long value);
    }

    private ref struct WriteSink(Span<long> destination) : ISink
    {
        private readonly Span<long> _destination = destination;
        private int _position;

        public bool Range(long start, long count)
        {
            var dst = _destination.Slice(_position, (int)count);
            int i = 0;
            if (Vector.IsHardwareAccelerated && dst.Length >= Vector<long>.Count)
            {
                var step = new Vector<long>(Vector<long>.Count);
                var v = Vector<long>.Indices + new Vector<long>(start);
                var lanes = MemoryMarshal.Cast<long, Vector<long>>(dst);
                for (int l = 0; l < lanes.Length; l++, v += step) lanes[l] = v;
                i = lanes.Length * Vector<long>.Count;
            }
            for (; i < dst.Length; i++) dst[i] = start + i;
            _position += dst.Length;
            return true;
        }

        public bool Offsets(long rowBase, ReadOnlySpan<long> columns)
        {
            var dst = _destination.Slice(_position, columns.Length);
            int i = 0;
            if (Vector.IsHardwareAccelerated && dst.Length >= Vector<long>.Count)
            {
                var b = new Vector<long>(rowBase);
                for (; i <= dst.Length - Vector<long>.Count; i += Vector<long>.Count)
                    (new Vector<long>(columns.Slice(i)) + b).CopyTo(dst.Slice(i));
            }
            for (; i < dst.Length; i++) dst[i] = rowBase + columns[i];
            _position += dst.Length;
            return true;
        }

        public bool One(long value)
        {
            _destination[_position++] = value;
            return true;
        }
    }

    private ref struct CompareSink(ReadOnlySpan<long> indices) : ISink
    {
        private readonly ReadOnlySpan<long> _indices = indices;
        private int _position;

        public bool Equal { get; private set; } = true;

        public bool Range(long start, long count)
        {
            var got = _indices.Slice(_position, (int)count);
            // Equal ends and strictly increasing in between mean exactly the range.
            Equal = got[0] == start && got[^1] == start + count - 1 && Increasing(got);
            _position += got.Length;
            return Equal;
        }

        public bool Offsets(long rowBase, ReadOnlySpan<long> columns)
        {
            var got = _indices.Slice(_position, columns.Length);
            for (int i = 0; i < got.Length; i++)
                if (got[i] != rowBase + columns[i]) return Equal = false;
            _position += got.Length;
            return true;
        }

        public bool One(long value)
        {
            if (_indices[_position++] != value) return Equal = false;
            return true;
        }

        private static bool Increasing(ReadOnlySpan<long> a)
        {
            bool ok = true;
            for (int i = 1; i < a.Length; i++) ok &= a[i] > a[i - 1];
            return ok;
        }
    }
}
