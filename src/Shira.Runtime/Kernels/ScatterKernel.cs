using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics.X86;

namespace Shira.Runtime.Kernels;

/// <summary>
/// The hot loops: scatters into a base tensor at pre-validated flat indices. Indices are checked against the tensor
/// before any kernel runs, so these loops use unchecked ref arithmetic. TIdx is u32 (tensors up
/// to 2^32 elements) or i64; TRaw is the base element's bits.
/// </summary>
/// <remarks>
/// Every kernel repeats one skeleton on purpose: take the first refs, <see cref="Warm"/>, then one flat loop that
/// prefetches <see cref="Ahead"/> positions ahead and does one thing per element. Sharing the loop would put a
/// delegate or a per-element branch (on originals, on replace) inside it; each instantiation (per dtype and index
/// width) is instead a straight body the JIT keeps in registers. Change them together.
/// </remarks>
internal static unsafe class ScatterKernel
{
    /// <summary>How many positions ahead the loops prefetch the base element: a 1 % scatter misses the cache (and
    /// the TLB) on almost every position, and the misses overlap only when they are requested early.</summary>
    public const int Ahead = 64;

    /// <summary>Asks for the line of <c>W[i]</c> (a hint: never faults; the index is in range anyway).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static void Prefetch<TRaw, TIdx>(ref TRaw w, TIdx i) where TRaw : unmanaged where TIdx : unmanaged, IBinaryInteger<TIdx>
    {
        if (Sse.IsSupported) Sse.Prefetch0(Unsafe.AsPointer(ref Unsafe.Add(ref w, nint.CreateTruncating(i))));
    }

    /// <summary>Prefetches the first <see cref="Ahead"/> of <paramref name="n"/> positions; returns how many
    /// positions have a successor <see cref="Ahead"/> further on (the loop prefetches for those).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static int Warm<TRaw, TIdx>(ref TRaw w, ref TIdx ip, int n) where TRaw : unmanaged where TIdx : unmanaged, IBinaryInteger<TIdx>
    {
        int count = Math.Min(n, Ahead);
        for (int k = 0; k < count; k++) Prefetch(ref w, Unsafe.Add(ref ip, k));
        return n - Ahead;
    }

    /// <summary>One pass: originals[k] = W[i_k]; W[i_k] = round(f32(W[i_k]) + delta[k]) (or round(delta[k]) when
    /// <paramref name="replace"/>). <paramref name="originals"/> may be empty (merge to a copy keeps none).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Apply<TElem, TRaw, TIdx>(ref TRaw w, ReadOnlySpan<TIdx> idx, ReadOnlySpan<float> delta,
        Span<TRaw> originals, bool replace)
        where TElem : struct, IElement<TRaw> where TRaw : unmanaged where TIdx : unmanaged, IBinaryInteger<TIdx>
    {
        int n = idx.Length;
        if (n == 0) return;
        ref TIdx ip = ref Unsafe.AsRef(in idx[0]);
        ref float dp = ref Unsafe.AsRef(in delta[0]);
        int main = Warm(ref w, ref ip, n);
        if (originals.IsEmpty)
        {
            if (replace)
                for (int k = 0; k < n; k++)
                {
                    if (k < main) Prefetch(ref w, Unsafe.Add(ref ip, k + Ahead));
                    Unsafe.Add(ref w, nint.CreateTruncating(Unsafe.Add(ref ip, k))) = TElem.Narrow(Unsafe.Add(ref dp, k));
                }
            else
                for (int k = 0; k < n; k++)
                {
                    if (k < main) Prefetch(ref w, Unsafe.Add(ref ip, k + Ahead));
                    ref TRaw x = ref Unsafe.Add(ref w, nint.CreateTruncating(Unsafe.Add(ref ip, k)));
                    x = TElem.Narrow(TElem.Widen(x) + Unsafe.Add(ref dp, k));
                }
            return;
        }
        ref TRaw op = ref originals[0];
        if (replace)
            for (int k = 0; k < n; k++)
            {
                if (k < main) Prefetch(ref w, Unsafe.Add(ref ip, k + Ahead));
                ref TRaw x = ref Unsafe.Add(ref w, nint.CreateTruncating(Unsafe.Add(ref ip, k)));
                Unsafe.Add(ref op, k) = x;
                x = TElem.Narrow(Unsafe.Add(ref dp, k));
            }
        else
            for (int k = 0; k < n; k++)
            {
                if (k < main) Prefetch(ref w, Unsafe.Add(ref ip, k + Ahead));
                ref TRaw x = ref Unsafe.Add(ref w, nint.CreateTruncating(Unsafe.Add(ref ip, k)));
                TRaw o = x;
                Unsafe.Add(ref op, k) = o;
                x = TElem.Narrow(TElem.Widen(o) + Unsafe.Add(ref dp, k));
            }
    }

    /// <summary>W[i_k] = round(f32(originals[k]) + delta[k]): the new value computed from the recorded original, not
    /// from whatever W holds now (journaled in-place apply, switch). A replacing adapter ignores the originals: it
    /// runs <see cref="Apply{TElem, TRaw, TIdx}"/> without them.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void ApplyFromOriginals<TElem, TRaw, TIdx>(ref TRaw w, ReadOnlySpan<TIdx> idx, ReadOnlySpan<float> delta,
        ReadOnlySpan<TRaw> originals)
        where TElem : struct, IElement<TRaw> where TRaw : unmanaged where TIdx : unmanaged, IBinaryInteger<TIdx>
    {
        int n = idx.Length;
        if (n == 0) return;
        ref TIdx ip = ref Unsafe.AsRef(in idx[0]);
        ref float dp = ref Unsafe.AsRef(in delta[0]);
        ref TRaw op = ref Unsafe.AsRef(in originals[0]);
        int main = Warm(ref w, ref ip, n);
        for (int k = 0; k < n; k++)
        {
            if (k < main) Prefetch(ref w, Unsafe.Add(ref ip, k + Ahead));
            Unsafe.Add(ref w, nint.CreateTruncating(Unsafe.Add(ref ip, k))) =
                TElem.Narrow(TElem.Widen(Unsafe.Add(ref op, k)) + Unsafe.Add(ref dp, k));
        }
    }

    /// <summary>originals[k] = W[i_k].</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Gather<TRaw, TIdx>(ref TRaw w, ReadOnlySpan<TIdx> idx, Span<TRaw> originals)
        where TRaw : unmanaged where TIdx : unmanaged, IBinaryInteger<TIdx>
    {
        int n = idx.Length;
        if (n == 0) return;
        ref TIdx ip = ref Unsafe.AsRef(in idx[0]);
        ref TRaw op = ref originals[0];
        int main = Warm(ref w, ref ip, n);
        for (int k = 0; k < n; k++)
        {
            if (k < main) Prefetch(ref w, Unsafe.Add(ref ip, k + Ahead));
            Unsafe.Add(ref op, k) = Unsafe.Add(ref w, nint.CreateTruncating(Unsafe.Add(ref ip, k)));
        }
    }

    /// <summary>W[i_k] = originals[k] (revert, recovery).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Scatter<TRaw, TIdx>(ref TRaw w, ReadOnlySpan<TIdx> idx, ReadOnlySpan<TRaw> originals)
        where TRaw : unmanaged where TIdx : unmanaged, IBinaryInteger<TIdx>
    {
        int n = idx.Length;
        if (n == 0) return;
        ref TIdx ip = ref Unsafe.AsRef(in idx[0]);
        ref TRaw op = ref Unsafe.AsRef(in originals[0]);
        int main = Warm(ref w, ref ip, n);
        for (int k = 0; k < n; k++)
        {
            if (k < main) Prefetch(ref w, Unsafe.Add(ref ip, k + Ahead));
            Unsafe.Add(ref w, nint.CreateTruncating(Unsafe.Add(ref ip, k))) = Unsafe.Add(ref op, k);
        }
    }
}
