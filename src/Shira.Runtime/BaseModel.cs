using Shira.Format;
using Shira.Format.Container;

namespace Shira.Runtime;

/// <summary>
/// A base checkpoint (one safetensors file or a sharded folder) opened for adapters: memory-mapped copy-on-write,
/// patched in place under a journal, or loaded into memory. Tensors are handed out as spans over the live weights;
/// adapters are applied, reverted and switched on a stack, bit-exactly. Not thread-safe: one operation at a time.
/// </summary>
/// <example><code>
/// using var model = BaseModel.Open("model.safetensors", BaseOpenMode.CopyOnWrite);
/// using var a = ShiraReader.Open("style.shira");
/// model.Apply(a, scale: 0.8f);          // W = bf16(f32(W) + 0.8·v) at a's positions
/// Span&lt;ushort&gt; q = model.GetTensor("model.layers.0.self_attn.q_proj.weight").AsSpan&lt;ushort&gt;();
/// model.Revert();                        // bit-identical base again
/// </code></example>
public sealed partial class BaseModel : IDisposable
{
    /// <summary>Opens <paramref name="path"/>: a <c>.safetensors</c> file, a <c>*.safetensors.index.json</c>, or a
    /// folder holding a sharded checkpoint. In <see cref="BaseOpenMode.InPlace"/> an interrupted operation found in
    /// the journal is rolled back first (see <see cref="BaseModelOptions.AutoRecover"/>) and adapters left applied by
    /// earlier processes appear on <see cref="Applied"/>; the other modes refuse a base with an interrupted journal
    /// (<see cref="ShiraErrorCode.RecoveryNeeded"/>).</summary>
    public static BaseModel Open(string path, BaseOpenMode mode, BaseModelOptions? options = null) => OpenCore(path, mode, options);

    /// <summary>Rolls back whatever an interrupted in-place operation left (idempotent; safe to run any time) and
    /// reports the adapters still applied in place. Does nothing when there is no journal.</summary>
    public static RecoveryResult Recover(string basePath) => RecoverCore(basePath);

    /// <summary>The path given to <see cref="Open"/>.</summary>
    public string Path { get; }
    /// <summary>The open mode.</summary>
    public BaseOpenMode Mode { get; }
    /// <summary>All tensor names, ordinal-sorted.</summary>
    public IReadOnlyList<string> TensorNames { get; }
    /// <summary>The applied adapters, oldest first (the last one is the top of the stack).</summary>
    public IReadOnlyList<AppliedAdapter> Applied => _applied;

    /// <summary>Finds a tensor.</summary>
    public bool TryGetTensor(string name, out BaseTensor tensor)
    {
        ThrowIfDisposed();
        return _tensors.TryGetValue(name, out tensor!);
    }

    /// <summary>Gets a tensor (throws <see cref="ShiraErrorCode.BaseTensorMissing"/> when absent).</summary>
    public BaseTensor GetTensor(string name) => TryGetTensor(name, out var t) ? t
        : throw ShiraErrors.Create(ShiraErrorCode.BaseTensorMissing, $"the base has no tensor '{name}'", Path, name);

    /// <summary>Applies <paramref name="adapter"/> with <paramref name="scale"/> and pushes it on the stack. Every
    /// target is checked first (<see cref="BaseCompatibility"/>) and every index decoded and range-checked before
    /// the first write; the originals of the touched positions are kept for <see cref="Revert"/>. For an
    /// <see cref="Semantics.Add"/> entry each position becomes round(f32(W) + f32(s·v)) in the base dtype, where
    /// s = entry scale × <paramref name="scale"/>; a <see cref="Semantics.Replace"/> entry writes round(v) and
    /// ignores the scale. In-place: journaled, durable when this returns.</summary>
    public AppliedAdapter Apply(ShiraReader adapter, float scale = 1f) => ApplyCore(adapter, scale);

    /// <summary>Pops the top adapter and restores its originals: the base is bit-identical to the state before it
    /// was applied. Throws <see cref="ShiraErrorCode.NotApplied"/> when the stack is empty.</summary>
    public AppliedAdapter Revert() => RevertCore();

    /// <summary>Replaces the top adapter by <paramref name="to"/> in one pass over the union of both supports:
    /// positions only the old adapter touched get their originals back, positions of <paramref name="to"/> get
    /// original + delta (from the original, not the modified value). The result equals <see cref="Revert"/> then
    /// <see cref="Apply"/> bit for bit.</summary>
    public AppliedAdapter Switch(ShiraReader to, float scale = 1f) => SwitchCore(to, scale);

    /// <summary>Writes the current weights (adapters included) to a new safetensors file, atomically; all tensors
    /// go into one file, with the first shard's <c>__metadata__</c>.</summary>
    public void SaveAs(string path) => SaveAsCore(path);

    /// <inheritdoc />
    public void Dispose() => DisposeCore();
}
