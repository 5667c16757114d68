using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using Shira.Format;

namespace Shira.Runtime.Kernels;

/// <summary>
/// Dispatches a range of one tensor's positions to the kernel instantiation for its dtype and index width. Values
/// are widened (and scaled) in runs of <see cref="Run"/> into a stack buffer, then scattered.
/// </summary>
internal static unsafe class TensorOps
{
    /// <summary>Values widened per step; the buffer lives on the stack.</summary>
    public const int Run = 2048;

    /// <summary>Apply values [start, start+count) of an entry; originals (same range, raw element bytes) may be empty.</summary>
    public static void Apply(byte* data, DType dtype, IndexSet idx, int start, int count, ReadOnlySpan<byte> values,
        ValueDType valueType, float scale, bool replace, Span<byte> originals) =>
        ApplyRuns(data, dtype, idx, start, count, values, valueType, scale, replace, originals, fromOriginals: false);

    /// <summary>Apply from recorded originals (range [start, start+count); originals is that range's bytes).</summary>
    public static void ApplyFromOriginals(byte* data, DType dtype, IndexSet idx, int start, int count, ReadOnlySpan<byte> values,
        ValueDType valueType, float scale, bool replace, ReadOnlySpan<byte> originals) =>
        // With fromOriginals the originals are only read (ScatterKernel.ApplyFromOriginals takes them read-only).
        ApplyRuns(data, dtype, idx, start, count, values, valueType, scale, replace,
            MemoryMarshal.CreateSpan(ref MemoryMarshal.GetReference(originals), originals.Length), fromOriginals: true);

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void ApplyRuns(byte* data, DType dtype, IndexSet idx, int start, int count, ReadOnlySpan<byte> values,
        ValueDType valueType, float scale, bool replace, Span<byte> originals, bool fromOriginals)
    {
        Span<float> buf = stackalloc float[Run];
        // f32 values at scale 1 (or replaced) are used straight from the adapter's map.
        bool direct = valueType == ValueDType.F32 && (replace || scale == 1f);
        for (int s = 0; s < count; s += Run)
        {
            int n = Math.Min(Run, count - s);
            scoped ReadOnlySpan<float> d;
            if (direct) d = MemoryMarshal.Cast<byte, float>(ValueWidening.Slice(values, valueType, start + s, n));
            else
            {
                ValueWidening.Widen(ValueWidening.Slice(values, valueType, start + s, n), valueType, replace ? 1f : scale, buf[..n]);
                d = buf[..n];
            }
            switch (dtype)
            {
                case DType.F32: ApplyT<F32Element, uint>(data, idx, start + s, n, d, SliceRaw<uint>(originals, s, n), replace, fromOriginals); break;
                case DType.BF16: ApplyT<BF16Element, ushort>(data, idx, start + s, n, d, SliceRaw<ushort>(originals, s, n), replace, fromOriginals); break;
                case DType.F16: ApplyT<F16Element, ushort>(data, idx, start + s, n, d, SliceRaw<ushort>(originals, s, n), replace, fromOriginals); break;
                default: throw new InvalidOperationException(dtype.ToString());
            }
        }
    }

    private static void ApplyT<TElem, TRaw>(byte* data, IndexSet idx, int start, int n, ReadOnlySpan<float> d, Span<TRaw> orig,
        bool replace, bool fromOriginals)
        where TElem : struct, IElement<TRaw> where TRaw : unmanaged
    {
        ref TRaw w = ref Unsafe.AsRef<TRaw>(data);
        if (fromOriginals && !replace)
        {
            if (idx.U32 is not null) ScatterKernel.ApplyFromOriginals<TElem, TRaw, uint>(ref w, idx.U32Span(start, n), d, orig);
            else ScatterKernel.ApplyFromOriginals<TElem, TRaw, long>(ref w, idx.I64Span(start, n), d, orig);
            return;
        }
        // Recorded originals are inputs, not outputs: a replacing adapter from originals writes the values alone.
        if (fromOriginals) orig = default;
        if (idx.U32 is not null) ScatterKernel.Apply<TElem, TRaw, uint>(ref w, idx.U32Span(start, n), d, orig, replace);
        else ScatterKernel.Apply<TElem, TRaw, long>(ref w, idx.I64Span(start, n), d, orig, replace);
    }

    /// <summary>Copies the current elements at [start, start+count) into originals (that range's bytes).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Gather(byte* data, int elementSize, IndexSet idx, int start, int count, Span<byte> originals)
    {
        if (elementSize == 4) GatherT<uint>(data, idx, start, count, MemoryMarshal.Cast<byte, uint>(originals));
        else GatherT<ushort>(data, idx, start, count, MemoryMarshal.Cast<byte, ushort>(originals));
    }

    private static void GatherT<TRaw>(byte* data, IndexSet idx, int start, int n, Span<TRaw> orig) where TRaw : unmanaged
    {
        ref TRaw w = ref Unsafe.AsRef<TRaw>(data);
        if (idx.U32 is not null) ScatterKernel.Gather(ref w, idx.U32Span(start, n), orig);
        else ScatterKernel.Gather(ref w, idx.I64Span(start, n), orig);
    }

    /// <summary>Writes originals (the bytes of range [start, start+count)) back.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Scatter(byte* data, int elementSize, IndexSet idx, int start, int count, ReadOnlySpan<byte> originals)
    {
        if (elementSize == 4) ScatterT<uint>(data, idx, start, count, MemoryMarshal.Cast<byte, uint>(originals));
        else ScatterT<ushort>(data, idx, start, count, MemoryMarshal.Cast<byte, ushort>(originals));
    }

    private static void ScatterT<TRaw>(byte* data, IndexSet idx, int start, int n, ReadOnlySpan<TRaw> orig) where TRaw : unmanaged
    {
        ref TRaw w = ref Unsafe.AsRef<TRaw>(data);
        if (idx.U32 is not null) ScatterKernel.Scatter(ref w, idx.U32Span(start, n), orig);
        else ScatterKernel.Scatter(ref w, idx.I64Span(start, n), orig);
    }

    private static Span<TRaw> SliceRaw<TRaw>(Span<byte> bytes, int start, int n) where TRaw : unmanaged =>
        bytes.IsEmpty ? default : MemoryMarshal.Cast<byte, TRaw>(bytes).Slice(start, n);

    /// <summary>Computes B's originals for a switch window without writing the tensor.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void GatherBelow(byte* data, int elementSize, IndexSet idxA, int a0, int na, ReadOnlySpan<byte> origA,
        IndexSet idxB, int b0, int nb, Span<byte> origB)
    {
        var oa = origA.Slice(a0 * elementSize, na * elementSize);
        var ob = origB.Slice(b0 * elementSize, nb * elementSize);
        if (elementSize == 4) GatherBelowT<uint>(data, idxA, a0, na, oa, idxB, b0, nb, ob);
        else GatherBelowT<ushort>(data, idxA, a0, na, oa, idxB, b0, nb, ob);
    }

    private static void GatherBelowT<TRaw>(byte* data, IndexSet idxA, int a0, int na, ReadOnlySpan<byte> oa,
        IndexSet idxB, int b0, int nb, Span<byte> ob) where TRaw : unmanaged
    {
        ref TRaw w = ref Unsafe.AsRef<TRaw>(data);
        var rawA = MemoryMarshal.Cast<byte, TRaw>(oa);
        var rawB = MemoryMarshal.Cast<byte, TRaw>(ob);
        if (idxB.U32 is not null) GatherBelowKernel.GatherBelow(ref w, idxA.U32Span(a0, na), rawA, idxB.U32Span(b0, nb), rawB);
        else GatherBelowKernel.GatherBelow(ref w, idxA.I64Span(a0, na), rawA, idxB.I64Span(b0, nb), rawB);
    }
}
