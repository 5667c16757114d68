namespace Shira.Training;

/// <summary>What an exported adapter says about itself, besides its tensors.</summary>
public sealed record AdapterExportInfo
{
    /// <summary>Adapter name.</summary>
    public string Name { get; init; } = "";
    /// <summary>Human description.</summary>
    public string Description { get; init; } = "";
    /// <summary>Base model identity (path or hub id), free text.</summary>
    public string BaseModel { get; init; } = "";
    /// <summary>Training parameters (lr, steps, seed, …); merged with what the adapter knows about itself
    /// (method, strategy, budget). <see cref="TrainingResult.Parameters"/> is meant to go here.</summary>
    public IReadOnlyDictionary<string, string> Parameters { get; init; } = new Dictionary<string, string>();
    /// <summary>The base checkpoint (safetensors file, sharded folder or index) the model was loaded from. When
    /// set, the fingerprint and each entry's base dtype come from that file (so a bf16 checkpoint trained in f32
    /// is recorded as bf16, and the hash is of the stored bytes); when null they come from the model's tensors.</summary>
    public string? BaseCheckpoint { get; init; }
    /// <summary>Record XXH3-64 content hashes of the adapted base tensors in the fingerprint (default true).</summary>
    public bool HashBaseTensors { get; init; } = true;
}
