using System.Numerics;
using System.Runtime.CompilerServices;

namespace Shira.Runtime.Kernels;

/// <summary>Read-only merge used before a journaled switch writes anything.</summary>
internal static class GatherBelowKernel
{
    /// <summary>origB[k] = A's original when A touched position B[k], else the current value: the originals B will
    /// have once A is reverted.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void GatherBelow<TRaw, TIdx>(ref TRaw w, ReadOnlySpan<TIdx> idxA, ReadOnlySpan<TRaw> origA,
        ReadOnlySpan<TIdx> idxB, Span<TRaw> origB)
        where TRaw : unmanaged where TIdx : unmanaged, IBinaryInteger<TIdx>
    {
        int a = 0;
        int main = idxB.Length - ScatterKernel.Ahead;
        for (int b = 0; b < idxB.Length; b++)
        {
            if (b < main) ScatterKernel.Prefetch(ref w, idxB[b + ScatterKernel.Ahead]);
            TIdx pb = idxB[b];
            while (a < idxA.Length && idxA[a] < pb) a++;
            origB[b] = a < idxA.Length && idxA[a] == pb ? origA[a] : Unsafe.Add(ref w, nint.CreateTruncating(pb));
        }
    }
}
