using System.Runtime.CompilerServices;
using System.Text.Json.Nodes;
using Shira.Format;
using Shira.Training.Inference;

namespace Shira.Training.Cli.Serving;

/// <summary>The work of <c>generate</c>: the base's output, then each adapter's after switching to it.</summary>
internal static class GenerateRunner
{
    /// <summary>One output: the adapter (null for the base), its scale, switch times in ms, the text and ids.</summary>
    public sealed record Output(string? Adapter, float Scale, double? SwitchMs, double? RefreshMs, string Text, int[] Tokens, bool Stopped);

    [MethodImpl(MethodImplOptions.NoInlining)]
    public static (IReadOnlyList<Output> Outputs, string Tokenizer, int PromptTokens) Run(GenerateRequest r, Action<Output>? onOutput = null)
    {
        TorchSharp.torch.set_num_threads(r.Threads);
        using var served = ServedModel.Open(r.BasePath, r.TokenizerPath);
        var prompt = served.Tokenizer.EncodePrompt(r.Prompt);
        foreach (var id in prompt)
        {
            if (id >= served.Model.Config.VocabSize)
                throw ShiraErrors.TokenizerVocabularyMismatch($"the prompt has token id {id}, the model {served.Model.Config.VocabSize} embeddings", r.BasePath);
        }
        var options = new GenerationOptions
        {
            MaxNewTokens = r.MaxNewTokens, Temperature = r.Temperature, Seed = r.Seed, StopId = served.Tokenizer.EosId,
            MaxSequenceLength = served.Model.Config.MaxPositionEmbeddings,
        };
        var outputs = new List<Output>();
        Output Make(string? adapter, float scale, double? switchMs, double? refreshMs)
        {
            var ids = TextGenerator.Generate(served.Model, prompt, options);
            bool stopped = ids.Length > 0 && ids[^1] == served.Tokenizer.EosId;
            var o = new Output(adapter, scale, switchMs, refreshMs, served.Tokenizer.Decode(ids), ids, stopped);
            outputs.Add(o);
            onOutput?.Invoke(o);
            return o;
        }
        if (r.IncludeBase) Make(null, 0, null, null);
        foreach (var a in r.Adapters)
        {
            var (runtime, refresh) = served.Use(a.Path, a.Scale);
            Make(a.Path, a.Scale, runtime.TotalMilliseconds, refresh.TotalMilliseconds);
        }
        return (outputs, served.Tokenizer.Kind, prompt.Length);
    }

    public static JsonObject ToJson(Output o) => new()
    {
        ["adapter"] = o.Adapter,
        ["scale"] = o.Adapter is null ? null : o.Scale,
        ["switch_ms"] = o.SwitchMs,
        ["refresh_ms"] = o.RefreshMs,
        ["text"] = o.Text,
        ["tokens"] = new JsonArray(o.Tokens.Select(t => (JsonNode?)t).ToArray()),
        ["stopped"] = o.Stopped,
    };
}
