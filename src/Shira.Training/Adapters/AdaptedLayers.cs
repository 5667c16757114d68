using Shira.Format;

namespace Shira.Training;

/// <summary>The layers of one adapter, in model order, and what SHiRA and LoRA do with them alike: name them, find one
/// by module, detach and dispose them all.</summary>
internal sealed class AdaptedLayers<TLayer> where TLayer : class, IAdaptedLayer
{
    private readonly List<TLayer> _layers;

    public AdaptedLayers(List<TLayer> layers)
    {
        _layers = layers;
        Names = layers.Select(l => l.Name).ToArray();
    }

    /// <summary>Every layer, in model order.</summary>
    public IReadOnlyList<TLayer> All => _layers;

    /// <summary>The adapted modules' names, in model order.</summary>
    public IReadOnlyList<string> Names { get; }

    /// <summary>The layer adapting <paramref name="module"/>.</summary>
    public TLayer Find(string module) =>
        _layers.Find(l => l.Name == module) ?? throw new ArgumentException($"module {module} is not adapted", nameof(module));

    /// <summary>Detaches every layer's hook.</summary>
    public void Remove()
    {
        foreach (var l in _layers) l.Remove();
    }

    /// <summary>Disposes every layer.</summary>
    public void Dispose()
    {
        foreach (var l in _layers) l.Dispose();
    }
}
