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
        : throw ShiraErrors.BaseTensorMissing($"the base has no tensor '{name}'", Path, name);
}
