using Shira.Format;
using Shira.Format.Numerics;
using static TorchSharp.torch;

namespace Shira.Training.Models;

/// <summary>
/// Copies raw checkpoint bytes (f32, bf16, f16) into a model's parameters by Hugging Face name. This lets a caller
/// that holds the weights elsewhere — such as the runtime's in-memory base with an adapter applied — feed exactly
/// those weights to the model, without this library depending on the runtime.
/// </summary>
public sealed class LlamaWeights
{
    private readonly Dictionary<string, TorchSharp.Modules.Parameter> _parameters = new(StringComparer.Ordinal);

    /// <summary>Indexes the parameters of <paramref name="model"/>.</summary>
    public LlamaWeights(LlamaForCausalLM model)
    {
        ArgumentNullException.ThrowIfNull(model);
        foreach (var (name, p) in model.named_parameters()) _parameters[name] = p;
    }

    /// <summary>Every parameter name the model needs.</summary>
    public IReadOnlyCollection<string> Names => _parameters.Keys;

    /// <summary>True when the model has a parameter called <paramref name="name"/>.</summary>
    public bool Contains(string name) => _parameters.ContainsKey(name);

    /// <summary>Overwrites parameter <paramref name="name"/> with <paramref name="bytes"/> of <paramref name="dtype"/>
    /// (widened to f32). The shape must equal the parameter's (<see cref="ShiraErrorCode.BaseShapeMismatch"/>).</summary>
    public void Copy(string name, DType dtype, IReadOnlyList<long> shape, ReadOnlySpan<byte> bytes, string? source = null)
    {
        ArgumentNullException.ThrowIfNull(name);
        ArgumentNullException.ThrowIfNull(shape);
        if (!_parameters.TryGetValue(name, out var parameter))
            throw new ArgumentException($"the model has no parameter '{name}'", nameof(name));
        if (!shape.SequenceEqual(parameter.shape))
        {
            throw ShiraErrors.BaseShapeMismatch($"tensor '{name}' has shape [{string.Join(", ", shape)}], the model expects [{string.Join(", ", parameter.shape)}]", source, name);
        }
        if (dtype is not (DType.F32 or DType.BF16 or DType.F16))
            throw ShiraErrors.BaseDTypeMismatch($"tensor '{name}' is {dtype}; the model reads f32, bf16 or f16", source, name);
        long numel = parameter.numel();
        if (numel > Array.MaxLength) throw new NotSupportedException($"tensor '{name}' has {numel} elements");
        var values = new float[numel];
        FloatSpans.ToSingle(bytes, dtype, values);
        using var noGrad = no_grad();
        using var t = tensor(values, parameter.shape);
        parameter.copy_(t);
    }
}
