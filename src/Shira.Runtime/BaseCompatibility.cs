using Shira.Format;
using Shira.Format.Container;
using Shira.Format.Safetensors;

namespace Shira.Runtime;

/// <summary>
/// Checks that an adapter fits a base before anything is written. This is the one place where an adapter's targets
/// are checked against the base; the apply, switch and merge paths trust it and do not repeat the checks.
/// <list type="bullet">
/// <item>Every target exists with the same shape and an adaptable dtype (F32, F16, BF16).</item>
/// <item>An <see cref="Semantics.Add"/> entry applies to any adaptable base dtype: PEFT merges the same adapter into
/// any float dtype as round(f32(W) + scale·v), and so does the runtime. Its recorded base dtype is informational.</item>
/// <item>A <see cref="Semantics.Replace"/> entry is bound to the base dtype it records: its values are that
/// dtype's bits (a dense replacement or an exact diff), which another dtype would silently round.</item>
/// <item>Base fingerprint entries must name existing tensors of the recorded shape; an entry with a content hash
/// also binds the dtype (the hash is over the raw bytes) and, when <c>verifyContent</c>, the content.</item>
/// </list>
/// Throws <see cref="ShiraException"/> with <see cref="ShiraErrorCode.BaseTensorMissing"/>,
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

    /// <summary>The distinct base dtypes of <paramref name="dtypes"/>, ascending: what an operation reports as the
    /// dtypes it rounded into.</summary>
    internal static IReadOnlyList<DType> Distinct(IEnumerable<DType> dtypes) => [.. new SortedSet<DType>(dtypes)];

    internal static void CheckCore(ShiraReader adapter, ITensorSource source, bool verifyContent)
    {
        string file = adapter.FilePath;
        foreach (var t in adapter.Tensors)
        {
            if (!source.TryGet(t.Name, out var dtype, out var shape))
                throw ShiraErrors.BaseTensorMissing($"adapter target '{t.Name}' does not exist in the base '{source.Name}'", file, t.Name);
            CheckTarget(file, t, dtype, shape, bindReplace: true);
        }
        foreach (var fp in adapter.Metadata.BaseFingerprint)
        {
            if (!source.TryGet(fp.Name, out var dtype, out var shape))
                throw ShiraErrors.BaseFingerprintMismatch($"the adapter's base fingerprint names '{fp.Name}', which the base '{source.Name}' does not have", file, fp.Name);
            CheckFingerprint(file, fp, dtype, shape, verifyContent ? () => source.ContentHash(fp.Name) : null);
        }
    }

    /// <summary>The rules for one entry against a base tensor of <paramref name="dtype"/> and <paramref name="shape"/>:
    /// same shape, an adaptable dtype, and for a Replace entry (when <paramref name="bindReplace"/>) the recorded dtype.</summary>
    internal static void CheckTarget(string file, ShiraTensorInfo t, DType dtype, IReadOnlyList<long> shape, bool bindReplace)
    {
        if (!ShapeEquals(shape, t.Shape))
            throw ShiraErrors.BaseShapeMismatch($"adapter target '{t.Name}' has shape [{string.Join(", ", t.Shape)}] but the base tensor is [{string.Join(", ", shape)}]",
                file, t.Name);
        if (!dtype.IsAdaptable())
            throw ShiraErrors.BaseDTypeMismatch($"base tensor '{t.Name}' is {dtype}; adapters apply to F32, F16 or BF16 only", file, t.Name);
        if (bindReplace && t.Semantics == Semantics.Replace && dtype != t.BaseDType)
            throw ShiraErrors.BaseDTypeMismatch($"adapter target '{t.Name}' replaces {t.BaseDType} values but the base tensor is {dtype} (replacements are exact for the dtype they were made for; make the adapter against this base, e.g. `shira diff` or `shira convert ... --base BASE`)", file, t.Name);
    }

    /// <summary>The rules for one base fingerprint entry against a base tensor: the shape always; the dtype when a
    /// content hash was recorded (or either dtype is not a float adapters apply to); the content when
    /// <paramref name="contentHash"/> is given and a hash was recorded.</summary>
    internal static void CheckFingerprint(string file, BaseTensorFingerprint fp, DType dtype, IReadOnlyList<long> shape, Func<ulong>? contentHash)
    {
        if (!ShapeEquals(shape, fp.Shape))
            throw ShiraErrors.BaseFingerprintMismatch($"base tensor '{fp.Name}' is [{string.Join(", ", shape)}] but the adapter was made for [{string.Join(", ", fp.Shape)}]",
                file, fp.Name);
        // Without a content hash the recorded dtype only says what the maker's base was; it binds nothing as long
        // as both are float types an adapter can apply to.
        bool dtypeBinds = fp.ContentHash is not null || !(dtype.IsAdaptable() && fp.DType.IsAdaptable());
        if (dtypeBinds && dtype != fp.DType)
            throw ShiraErrors.BaseFingerprintMismatch($"base tensor '{fp.Name}' is {dtype} but the adapter was made for {fp.DType}" +
                (fp.ContentHash is null ? "" : " (its content hash was recorded, which binds the adapter to that exact tensor)"),
                file, fp.Name);
        if (contentHash is not null && fp.ContentHash is ulong expected)
        {
            ulong actual = contentHash();
            if (actual != expected)
                throw ShiraErrors.BaseFingerprintMismatch($"base tensor '{fp.Name}' has content hash {actual:x16} but the adapter was made for {expected:x16} (another base or revision)",
                    file, fp.Name);
        }
    }

    internal static bool ShapeEquals(IReadOnlyList<long> a, IReadOnlyList<long> b)
    {
        if (a.Count != b.Count) return false;
        for (int i = 0; i < a.Count; i++) if (a[i] != b[i]) return false;
        return true;
    }
}
