using TorchSharp.Modules;

namespace Shira.Training;

/// <summary>
/// An adapter attached to a model: its trainable tensors (everything else in the model is frozen) and how to
/// save it. Implemented by <see cref="ShiraAdapter"/> and <see cref="LoraAdapter"/>; <see cref="Trainer"/>
/// trains either.
/// </summary>
public interface ITrainableAdapter : IDisposable
{
    /// <summary>Short method name recorded in exports: <c>shira-struct</c>, <c>shira-rand</c>, <c>shira-wm</c>,
    /// <c>shira-grad</c>, <c>shira-snip</c> or <c>lora</c>.</summary>
    string Method { get; }

    /// <summary>Names of the adapted modules, in model order.</summary>
    IReadOnlyList<string> TargetModules { get; }

    /// <summary>The only tensors the optimizer updates.</summary>
    IReadOnlyList<Parameter> TrainableParameters { get; }

    /// <summary>Total number of trainable scalars.</summary>
    long TrainableParameterCount { get; }

    /// <summary>The adapter's own description for export metadata (method, strategy, budget, …).</summary>
    IReadOnlyDictionary<string, string> Describe();

    /// <summary>Saves the adapter (a .shira file for SHiRA, a PEFT folder for LoRA), atomically.</summary>
    void Save(string path, AdapterExportInfo info);

    /// <summary>The effective weight W + ΔW of one adapted module as row-major f32 (for checks and merging).</summary>
    float[] EffectiveWeight(string module);

    /// <summary>Detaches the adapter: the model computes with its base weights again. Idempotent.</summary>
    void Remove();
}
