using System.CommandLine;
using System.Globalization;
using System.Text.Json.Nodes;
using Shira.Cli.Infrastructure;
using Shira.Training.Cli.Serving;
using Shira.Training.Data;

namespace Shira.Training.Cli.Commands;

/// <summary>
/// <c>shira-train eval BASE [--adapter X.shira]... --data FILE [--json]</c>: loss, perplexity and (for
/// prompt/completion data) exact match of the base and of each adapter, applied and switched by the runtime.
/// </summary>
internal static class EvalCommand
{
    public static Command Create()
    {
        var baseArg = new Argument<string>("BASE") { Description = "Base checkpoint: safetensors file or folder" };
        var adapter = AdapterOptions.Adapter();
        var scale = AdapterOptions.Scale();
        var data = new Option<string>("--data") { Description = "JSONL ({\"text\"} or {\"prompt\",\"completion\"} per line) or plain text", Required = true };
        var maxTokens = new Option<int?>("--max-tokens") { Description = "Token limit per example (default: the model's max_position_embeddings, at most 2048)" };
        var overLong = new Option<string>("--over-long") { Description = "Examples over the limit: skip (default), truncate or error; always counted", DefaultValueFactory = _ => "skip" };
        overLong.AcceptOnlyFromAmong("skip", "truncate", "error");
        var batch = new Option<int>("--batch") { Description = "Examples per forward pass", DefaultValueFactory = _ => 8 };
        var tokenizer = new Option<string?>("--tokenizer") { Description = "tokenizer.json, tokenizer.model or 'bytes' (default: the base's own, else bytes)" };
        var noBase = new Option<bool>("--no-base") { Description = "Do not score the base model alone" };
        var threads = new Option<int>("--threads") { Description = "Torch intra-op threads", DefaultValueFactory = _ => 1 };
        var json = new Option<bool>("--json") { Description = "Print JSON" };
        var command = new Command("eval", "Loss, perplexity and exact match of a base and adapters (applied and switched by the runtime)")
        {
            baseArg, adapter, scale, data, maxTokens, overLong, batch, tokenizer, noBase, threads, json,
        };
        command.SetAction(result => CommandRunner.Run(() =>
        {
            var request = new EvalRequest(result.GetValue(baseArg)!, result.GetValue(tokenizer), AdapterOptions.Read(result),
                result.GetValue(data)!, result.GetValue(maxTokens), ParsePolicy(result.GetValue(overLong)!), result.GetValue(batch),
                !result.GetValue(noBase), result.GetValue(threads));
            if (request.MaxTokens is < 2) throw new UsageException("--max-tokens must be at least 2");
            if (request.BatchSize <= 0) throw new UsageException("--batch must be positive");
            if (request.Threads <= 0) throw new UsageException("--threads must be positive");
            if (!request.IncludeBase && request.Adapters.Count == 0) throw new UsageException("--no-base needs at least one --adapter");
            var (rows, report) = EvalRunner.Run(request);
            Print(rows, report, result.GetValue(json));
            return ExitCodes.Ok;
        }));
        return command;
    }

    private static OverLongPolicy ParsePolicy(string s) => Enum.Parse<OverLongPolicy>(s, ignoreCase: true);

    // Plain text and JSON written directly (not through the core command's Report), so the tool's output does not
    // depend on that class's layout.
    internal static void Print(IReadOnlyList<EvalRunner.Row> rows, DataLoadReport data, bool json)
    {
        var output = CliConsole.Current.Output;
        if (json)
        {
            output.WriteLine(ToJson(rows, data).ToJsonString(new System.Text.Json.JsonSerializerOptions { WriteIndented = true }));
            return;
        }
        static string F(double v, string format) => double.IsNaN(v) ? "—" : v.ToString(format, CultureInfo.InvariantCulture);
        output.WriteLine(data.Summary());
        var table = new List<string[]> { new[] { "model", "loss", "perplexity", "exact match", "scored tokens", "switch ms" } };
        foreach (var r in rows)
        {
            table.Add(
            [
                r.Adapter is null ? "base" : $"{r.Adapter} ×{r.Scale.ToString("G", CultureInfo.InvariantCulture)}",
                F(r.Result.Loss, "F4"), F(r.Result.Perplexity, "F3"),
                r.Result.PromptCompletionExamples > 0 ? $"{r.Result.ExactMatches}/{r.Result.PromptCompletionExamples} ({F(r.Result.ExactMatch * 100, "F1")} %)" : "—",
                r.Result.ScoredTokens.ToString(CultureInfo.InvariantCulture),
                r.SwitchMs is { } ms ? F(ms, "F2") : "",
            ]);
        }
        var widths = new int[table[0].Length];
        foreach (var row in table)
            for (int i = 0; i < row.Length; i++) widths[i] = Math.Max(widths[i], row[i].Length);
        foreach (var row in table)
            output.WriteLine(string.Join("  ", row.Select((c, i) => c.PadRight(widths[i]))).TrimEnd());
    }

    private static JsonNode? Num(double v) => double.IsFinite(v) ? v : null;

    internal static JsonObject ToJson(IReadOnlyList<EvalRunner.Row> rows, DataLoadReport data) => new()
    {
        ["data"] = new JsonObject
        {
            ["path"] = data.Path,
            ["format"] = data.Format.ToString(),
            ["tokenizer"] = data.Tokenizer,
            ["records"] = data.Records,
            ["examples"] = data.Examples,
            ["prompt_completion"] = data.PromptCompletion,
            ["max_tokens"] = data.MaxTokens,
            ["over_long"] = data.OverLong,
            ["over_long_lines"] = new JsonArray(data.OverLongLines.Select(l => (JsonNode?)l).ToArray()),
            ["over_long_policy"] = data.OverLongPolicy.ToString().ToLowerInvariant(),
            ["tokens"] = data.Tokens,
            ["scored_tokens"] = data.ScoredTokens,
        },
        ["results"] = new JsonArray(rows.Select(r => (JsonNode?)new JsonObject
        {
            ["adapter"] = r.Adapter,
            ["scale"] = r.Adapter is null ? null : r.Scale,
            ["switch_ms"] = r.SwitchMs,
            ["examples"] = r.Result.Examples,
            ["scored_tokens"] = r.Result.ScoredTokens,
            ["loss"] = Num(r.Result.Loss),
            ["perplexity"] = Num(r.Result.Perplexity),
            ["prompt_completion_examples"] = r.Result.PromptCompletionExamples,
            ["exact_matches"] = r.Result.ExactMatches,
            ["exact_match"] = Num(r.Result.ExactMatch),
        }).ToArray()),
    };
}
