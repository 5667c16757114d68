using Shira.Format;
using Shira.Format.Container;
using Shira.Format.Safetensors;

namespace Shira.Runtime;

/// <summary>
/// Checks that an adapter fits a base before anything is written: every target tensor exists with the same shape
/// and dtype (f32/f16/bf16), and the base fingerprint recorded in the adapter (names, shapes, dtypes, content
/// hashes) matches. Throws <see cref="ShiraException"/> with <see cref="ShiraErrorCode.BaseTensorMissing"/>,
/// <see cref="ShiraErrorCode.BaseShapeMismatch"/>, <see cref="ShiraErrorCode.BaseDTypeMismatch"/> or
/// <see cref="ShiraErrorCode.BaseFingerprintMismatch"/>.
/// </summary>
public static class BaseCompatibility
{
    /// <summary>Checks against an open model. Content hashes are compared with the base as it was before the
    /// adapters on <see cref="BaseModel.Applied"/> (their originals are put back in a scratch copy).</summary>
    public static void Check(ShiraReader adapter, BaseModel model, bool verifyContent = true)
    {
        ArgumentNullException.ThrowIfNull(adapter);
        ArgumentNullException.ThrowIfNull(model);
        CheckCore(adapter, new ModelTensorSource(model), verifyContent);
    }

    /// <summary>Checks against a read-only checkpoint.</summary>
    public static void Check(ShiraReader adapter, SafetensorsCheckpoint checkpoint, bool verifyContent = true)
    {
        ArgumentNullException.ThrowIfNull(adapter);
        ArgumentNullException.ThrowIfNull(checkpoint);
        CheckCore(adapter, new CheckpointTensorSource(checkpoint), verifyContent);
    }

    internal static void CheckCore(ShiraReader adapter, ITensorSource source, bool verifyContent)
    {
        string file = adapter.FilePath;
        foreach (var t in adapter.Tensors)
        {
            if (!source.TryGet(t.Name, out var dtype, out var shape))
                throw ShiraErrors.Create(ShiraErrorCode.BaseTensorMissing,
                    $"adapter target '{t.Name}' does not exist in the base '{source.Name}'", file, t.Name);
            if (!ShapeEquals(shape, t.Shape))
                throw ShiraErrors.Create(ShiraErrorCode.BaseShapeMismatch,
                    $"adapter target '{t.Name}' has shape [{string.Join(", ", t.Shape)}] but the base tensor is [{string.Join(", ", shape)}]",
                    file, t.Name);
            if (!dtype.IsAdaptable())
                throw ShiraErrors.Create(ShiraErrorCode.BaseDTypeMismatch,
                    $"base tensor '{t.Name}' is {dtype}; adapters apply to F32, F16 or BF16 only", file, t.Name);
            if (dtype != t.BaseDType)
                throw ShiraErrors.Create(ShiraErrorCode.BaseDTypeMismatch,
                    $"adapter target '{t.Name}' expects {t.BaseDType} but the base tensor is {dtype} (an adapter records the base dtype it was made for; convert or train it against this base, e.g. `shira convert ... --base BASE`)", file, t.Name);
        }
        foreach (var fp in adapter.Metadata.BaseFingerprint)
        {
            if (!source.TryGet(fp.Name, out var dtype, out var shape))
                throw ShiraErrors.Create(ShiraErrorCode.BaseFingerprintMismatch,
                    $"the adapter's base fingerprint names '{fp.Name}', which the base '{source.Name}' does not have", file, fp.Name);
            if (!ShapeEquals(shape, fp.Shape) || dtype != fp.DType)
                throw ShiraErrors.Create(ShiraErrorCode.BaseFingerprintMismatch,
                    $"base tensor '{fp.Name}' is {dtype} [{string.Join(", ", shape)}] but the adapter was made for {fp.DType} [{string.Join(", ", fp.Shape)}]",
                    file, fp.Name);
            if (verifyContent && fp.ContentHash is ulong expected)
            {
                ulong actual = source.ContentHash(fp.Name);
                if (actual != expected)
                    throw ShiraErrors.Create(ShiraErrorCode.BaseFingerprintMismatch,
                        $"base tensor '{fp.Name}' has content hash {actual:x16} but the adapter was made for {expected:x16} (another base or revision)",
                        file, fp.Name);
            }
        }
    }

    internal static bool ShapeEquals(IReadOnlyList<long> a, IReadOnlyList<long> b)
    {
        if (a.Count != b.Count) return false;
        for (int i = 0; i < a.Count; i++) if (a[i] != b[i]) return false;
        return true;
    }
}
