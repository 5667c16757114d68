namespace Shira.Training.Cli.Serving;

/// <summary>What <c>shira-train generate</c> was asked (no TorchSharp type, so parsing never loads libtorch).</summary>
internal sealed record GenerateRequest(string BasePath, string? TokenizerPath, IReadOnlyList<AdapterChoice> Adapters,
    string Prompt, int MaxNewTokens, double Temperature, ulong Seed, bool IncludeBase, int Threads);
