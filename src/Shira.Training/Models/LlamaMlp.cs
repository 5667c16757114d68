using TorchSharp.Modules;
using TorchSharp.Utils;
using static TorchSharp.torch;

namespace Shira.Training.Models;

/// <summary>The SwiGLU MLP: <c>down_proj(silu(gate_proj(x)) · up_proj(x))</c>, no biases.</summary>
public sealed class LlamaMlp : nn.Module<Tensor, Tensor>
{
    [ComponentName(Name = "gate_proj")] private readonly Linear _gate;
    [ComponentName(Name = "up_proj")] private readonly Linear _up;
    [ComponentName(Name = "down_proj")] private readonly Linear _down;

    /// <summary>Creates <c>gate_proj</c>, <c>up_proj</c> [intermediate, hidden] and <c>down_proj</c> [hidden, intermediate].</summary>
    public LlamaMlp(LlamaConfig config) : base(nameof(LlamaMlp))
    {
        ArgumentNullException.ThrowIfNull(config);
        _gate = nn.Linear(config.HiddenSize, config.IntermediateSize, hasBias: false);
        _up = nn.Linear(config.HiddenSize, config.IntermediateSize, hasBias: false);
        _down = nn.Linear(config.IntermediateSize, config.HiddenSize, hasBias: false);
        RegisterComponents();
    }

    /// <inheritdoc />
    public override Tensor forward(Tensor input)
    {
        using var scope = NewDisposeScope();
        // call(), not forward(): adapters (SHiRA, LoRA) hook the projections' forward.
        var gate = nn.functional.silu(_gate.call(input));
        return _down.call(gate * _up.call(input)).MoveToOuterDisposeScope();
    }
}
