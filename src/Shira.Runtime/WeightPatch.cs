using System.IO.Hashing;
using Shira.Format;
using Shira.Format.Container;
using Shira.Runtime.Engine;
using Shira.Runtime.Kernels;

namespace Shira.Runtime;

/// <summary>Options of <see cref="WeightPatch"/>.</summary>
public sealed record WeightPatchOptions
{
    /// <summary>Refuse a buffer whose dtype differs from the base dtype a <see cref="Semantics.Replace"/> entry records
    /// (as <c>shira apply</c> does: replacements are exact for that dtype; additive entries apply to any f32/f16/bf16
    /// buffer either way). When false, a Replace entry is also applied to any float buffer, rounding into its dtype.</summary>
    public bool RequireRecordedDType { get; init; } = true;

    /// <summary>Check the buffer against the adapter's base fingerprint for this tensor (shape; dtype and XXH3 content
    /// when a content hash was recorded), as <c>shira apply</c> does. Turn off when the buffer already holds
    /// another adapter (its content then differs from the base the adapter was made for).</summary>
    public bool VerifyFingerprint { get; init; } = true;

    /// <summary>Worker threads for large tensors.</summary>
    public int MaxDegreeOfParallelism { get; init; } = Environment.ProcessorCount;
}

/// <summary>
/// Applies one adapter entry to a weight buffer the caller owns (a tensor of an inference engine, a NumPy array, a
/// torch tensor), with the same checks and rounding as <see cref="BaseModel.Apply"/>: each position becomes
/// round(f32(W) + f32(s·v)) in the buffer's dtype. The originals of the touched positions can be kept in a caller
/// buffer so that <see cref="Revert"/> restores the weights bit for bit. Every check and every index decode happens
/// before the first write: on any error the buffer is untouched.
/// </summary>
public static unsafe class WeightPatch
{
    /// <summary>The length in bytes of the originals buffer an entry needs for a buffer of <paramref name="dtype"/>.</summary>
    public static long OriginalsLength(ShiraTensorInfo tensor, DType dtype)
    {
        ArgumentNullException.ThrowIfNull(tensor);
        if (!dtype.IsAdaptable()) throw new ArgumentException($"{dtype} is not f32, f16 or bf16", nameof(dtype));
        return tensor.Nnz * dtype.ByteSize();
    }

    /// <summary>Applies <paramref name="tensor"/> of <paramref name="adapter"/> to the weights at
    /// <paramref name="weights"/> (<paramref name="byteLength"/> bytes of <paramref name="dtype"/>, shape
    /// <paramref name="shape"/>). When <paramref name="originals"/> is not empty it receives the overwritten elements
    /// (length ≥ <see cref="OriginalsLength"/>).</summary>
    public static void Apply(ShiraReader adapter, ShiraTensorInfo tensor, nint weights, long byteLength, DType dtype,
        IReadOnlyList<long> shape, float scale, Span<byte> originals, WeightPatchOptions? options = null)
    {
        options ??= new WeightPatchOptions();
        var e = Prepare(adapter, tensor, weights, byteLength, dtype, shape, scale, options);
        try
        {
            int es = dtype.ByteSize();
            long need = (long)e.Indices.Count * es;
            if (!originals.IsEmpty && originals.Length < need)
                throw new ArgumentException($"the originals buffer holds {originals.Length} bytes; {need} are needed", nameof(originals));
            byte* data = (byte*)weights;
            bool keep = !originals.IsEmpty;
            fixed (byte* o = originals)
            {
                byte* op = o;
                Run(e.Indices.Count, options.MaxDegreeOfParallelism, (start, count) =>
                    TensorOps.Apply(data, dtype, e.Indices, start, count, adapter.GetValueBytes(tensor), e.ValueDType, e.Scale, e.Replace,
                        keep ? new Span<byte>(op + (long)start * es, count * es) : default));
            }
        }
        finally
        {
            e.Release();
        }
    }

    /// <summary>Writes <paramref name="originals"/> (as filled by <see cref="Apply"/>) back at the entry's positions:
    /// the weights are bit-identical to what they were before that apply.</summary>
    public static void Revert(ShiraReader adapter, ShiraTensorInfo tensor, nint weights, long byteLength, DType dtype,
        IReadOnlyList<long> shape, ReadOnlySpan<byte> originals, WeightPatchOptions? options = null)
    {
        options ??= new WeightPatchOptions { VerifyFingerprint = false };
        // The buffer holds the adapter now, so its content cannot match the base fingerprint.
        var e = Prepare(adapter, tensor, weights, byteLength, dtype, shape, 1f, options with { VerifyFingerprint = false });
        try
        {
            int es = dtype.ByteSize();
            long need = (long)e.Indices.Count * es;
            if (originals.Length < need)
                throw new ArgumentException($"the originals buffer holds {originals.Length} bytes; {need} are needed", nameof(originals));
            byte* data = (byte*)weights;
            fixed (byte* o = originals)
            {
                byte* op = o;
                Run(e.Indices.Count, options.MaxDegreeOfParallelism, (start, count) =>
                    TensorOps.Scatter(data, es, e.Indices, start, count, new ReadOnlySpan<byte>(op + (long)start * es, count * es)));
            }
        }
        finally
        {
            e.Release();
        }
    }

    private static PreparedEntry Prepare(ShiraReader adapter, ShiraTensorInfo tensor, nint weights, long byteLength,
        DType dtype, IReadOnlyList<long> shape, float scale, WeightPatchOptions options)
    {
        ArgumentNullException.ThrowIfNull(adapter);
        ArgumentNullException.ThrowIfNull(tensor);
        ArgumentNullException.ThrowIfNull(shape);
        if (!float.IsFinite(scale)) throw new ArgumentException($"scale {scale} is not finite", nameof(scale));
        if (!adapter.TryGetTensor(tensor.Name, out _))
            throw new ArgumentException($"tensor '{tensor.Name}' does not belong to this adapter", nameof(tensor));
        if (weights == 0) throw new ArgumentNullException(nameof(weights));
        long numel = 1;
        foreach (long d in shape)
        {
            if (d < 0) throw new ArgumentException($"shape dimension {d} is negative", nameof(shape));
            numel = checked(numel * d);
        }
        if (dtype.IsAdaptable() && byteLength != checked(numel * dtype.ByteSize()))
            throw new ArgumentException($"the weights hold {byteLength} bytes but shape [{string.Join(", ", shape)}] of {dtype} needs {numel * dtype.ByteSize()}", nameof(byteLength));
        // The same entry and fingerprint rules as BaseModel.Apply (one implementation, in BaseCompatibility).
        BaseCompatibility.CheckTarget(adapter.FilePath, tensor, dtype, shape, bindReplace: options.RequireRecordedDType);
        if (options.VerifyFingerprint) VerifyFingerprint(adapter, tensor, weights, byteLength, dtype, shape);
        return PreparedEntry.Prepare(adapter, tensor, new BaseTensor(tensor.Name, dtype, shape, numel, (byte*)weights, byteLength, 0, 0),
            scale, pooled: true);
    }

    private static void VerifyFingerprint(ShiraReader adapter, ShiraTensorInfo tensor, nint weights, long byteLength, DType dtype,
        IReadOnlyList<long> shape)
    {
        foreach (var fp in adapter.Metadata.BaseFingerprint)
        {
            if (!string.Equals(fp.Name, tensor.Name, StringComparison.Ordinal)) continue;
            BaseCompatibility.CheckFingerprint(adapter.FilePath, fp, dtype, shape, () =>
            {
                var h = new XxHash3();
                for (long done = 0; done < byteLength;)
                {
                    int n = (int)Math.Min(1 << 30, byteLength - done);
                    h.Append(new ReadOnlySpan<byte>((byte*)weights + done, n));
                    done += n;
                }
                return h.GetCurrentHashAsUInt64();
            });
        }
    }

    private static void Run(int count, int dop, Action<int, int> body)
    {
        if (count <= WorkItem.Chunk || dop <= 1)
        {
            if (count > 0) body(0, count);
            return;
        }
        var items = WorkItem.Split([count]);
        PreparedEntry.RethrowFirst(() => Parallel.For(0, items.Length, new ParallelOptions { MaxDegreeOfParallelism = dop },
            i => body(items[i].Start, items[i].Count)));
    }
}
