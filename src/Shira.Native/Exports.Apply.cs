using Shira.Runtime;

namespace Shira.Native;

/// <summary>Exports that patch caller-owned weights (the same kernels and rounding as <c>shira apply</c>).</summary>
internal static unsafe partial class Exports
{
    [UnmanagedCallersOnly(EntryPoint = "shira_apply")]
    public static int Apply(nint handle, ulong index, void* weights, int dtype, long* shape, int rank, float scale,
        void* originals, ulong originalsBytes, uint flags) =>
        Boundary.Run(handle, h => HandleTable.With(h, index, (a, i) =>
        {
            var call = Describe(a, i, weights, dtype, shape, rank, flags);
            long need = WeightPatch.OriginalsLength(call.Tensor, call.DType);
            if (originals is not null && originalsBytes < (ulong)need)
                throw NativeErrors.TooSmall("the originals buffer", originalsBytes, (ulong)need);
            var keep = originals is null ? default : new Span<byte>(originals, checked((int)need));
            WeightPatch.Apply(a.Reader, call.Tensor, (nint)weights, call.ByteLength, call.DType, call.Shape, scale, keep, call.Options);
            return 0;
        }));

    [UnmanagedCallersOnly(EntryPoint = "shira_revert")]
    public static int Revert(nint handle, ulong index, void* weights, int dtype, long* shape, int rank,
        void* originals, ulong originalsBytes, uint flags) =>
        Boundary.Run(handle, h => HandleTable.With(h, index, (a, i) =>
        {
            var call = Describe(a, i, weights, dtype, shape, rank, flags);
            long need = WeightPatch.OriginalsLength(call.Tensor, call.DType);
            if (originals is null && need > 0) throw NativeErrors.Null("originals");
            if (originalsBytes < (ulong)need) throw NativeErrors.TooSmall("the originals buffer", originalsBytes, (ulong)need);
            WeightPatch.Revert(a.Reader, call.Tensor, (nint)weights, call.ByteLength, call.DType, call.Shape,
                new ReadOnlySpan<byte>(originals, checked((int)need)), call.Options);
            return 0;
        }));

    private readonly record struct PatchCall(Shira.Format.Container.ShiraTensorInfo Tensor, DType DType, long[] Shape,
        long ByteLength, WeightPatchOptions Options);

    /// <summary>Checks the arguments shared by apply and revert; nothing is touched yet.</summary>
    private static PatchCall Describe(NativeAdapter a, ulong index, void* weights, int dtype, long* shape, int rank, uint flags)
    {
        var t = a.Tensor(index);
        if (weights is null) throw NativeErrors.Null("weights");
        if ((flags & ~NativeAbi.KnownFlags) != 0) throw new ArgumentException($"unknown flags 0x{flags:x}");
        var dt = NativeAbi.WeightDType(dtype);
        if (rank < 0 || rank > NativeAbi.MaxRank) throw new ArgumentException($"rank {rank} is not in 0..{NativeAbi.MaxRank}");
        if (shape is null && rank > 0) throw NativeErrors.Null("shape");
        var dims = new long[rank];
        long numel = 1;
        for (int d = 0; d < rank; d++)
        {
            if (shape[d] < 0) throw new ArgumentException($"shape[{d}] = {shape[d]} is negative");
            dims[d] = shape[d];
            numel = checked(numel * shape[d]);
        }
        var options = new WeightPatchOptions
        {
            RequireRecordedDType = (flags & NativeAbi.FlagAnyDType) == 0,
            VerifyFingerprint = (flags & NativeAbi.FlagNoFingerprint) == 0,
        };
        return new PatchCall(t, dt, dims, checked(numel * dt.ByteSize()), options);
    }
}
