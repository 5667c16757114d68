namespace Shira.Training.Cli.Serving;

/// <summary>One <c>--adapter FILE [--scale S]</c> of generate/eval.</summary>
/// <param name="Path">The .shira file.</param>
/// <param name="Scale">Its scale (default 1).</param>
internal sealed record AdapterChoice(string Path, float Scale);
