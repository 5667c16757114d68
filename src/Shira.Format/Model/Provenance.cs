namespace Shira.Format;

/// <summary>Who made a file and from what.</summary>
public sealed record Provenance
{
    /// <summary>Tool name, e.g. <c>shira</c>.</summary>
    public string Tool { get; init; } = "";
    /// <summary>Tool version.</summary>
    public string ToolVersion { get; init; } = "";
    /// <summary>Source checkpoint (path, repository, or description).</summary>
    public string Source { get; init; } = "";
    /// <summary>Source format, e.g. <c>peft-lora</c>, <c>peft-shira</c>, <c>dense-diff</c>, <c>shira-train</c>, <c>fuse</c>.</summary>
    public string SourceFormat { get; init; } = "";
}
