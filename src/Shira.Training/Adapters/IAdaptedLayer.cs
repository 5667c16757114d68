namespace Shira.Training;

/// <summary>What <see cref="AdaptedLayers{TLayer}"/> needs of a layer: a SHiRA or a LoRA layer on one module.</summary>
internal interface IAdaptedLayer : IDisposable
{
    /// <summary>The adapted module's name.</summary>
    string Name { get; }
    /// <summary>Detaches the layer's hook, leaving the module as it was.</summary>
    void Remove();
}
