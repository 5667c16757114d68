using Shira.Training.Data;

namespace Shira.Training.Cli.Serving;

/// <summary>What <c>shira-train eval</c> was asked.</summary>
internal sealed record EvalRequest(string BasePath, string? TokenizerPath, IReadOnlyList<AdapterChoice> Adapters, string DataPath,
    int? MaxTokens, OverLongPolicy OverLong, int BatchSize, bool IncludeBase, int Threads);
