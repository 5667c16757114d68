namespace Shira.Format.Safetensors;

/// <summary>Limits for safetensors parsing.</summary>
public sealed record SafetensorsOptions
{
    /// <summary>The reference implementation's header cap (100,000,000 bytes), the default of <see cref="MaxHeaderBytes"/>.</summary>
    public const long DefaultMaxHeaderBytes = 100_000_000;

    /// <summary>Largest header accepted (the reference implementation's cap: 100,000,000 bytes).</summary>
    public long MaxHeaderBytes { get; init; } = DefaultMaxHeaderBytes;

    internal static SafetensorsOptions Default { get; } = new();
}
