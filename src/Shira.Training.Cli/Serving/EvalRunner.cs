using System.Runtime.CompilerServices;
using Shira.Training.Data;
using Shira.Training.Inference;

namespace Shira.Training.Cli.Serving;

/// <summary>The work of <c>eval</c>: read the data with the base's tokenizer, score the base and each adapter.</summary>
internal static class EvalRunner
{
    public sealed record Row(string? Adapter, float Scale, double? SwitchMs, EvalResult Result);

    [MethodImpl(MethodImplOptions.NoInlining)]
    public static (IReadOnlyList<Row> Rows, DataLoadReport Data) Run(EvalRequest r)
    {
        var file = DataFile.Read(r.DataPath); // bad data fails before the model is loaded
        TorchSharp.torch.set_num_threads(r.Threads);
        using var served = ServedModel.Open(r.BasePath, r.TokenizerPath);
        int maxTokens = r.MaxTokens ?? Math.Min(served.Model.Config.MaxPositionEmbeddings, 2048);
        var (data, report) = TokenDataset.FromData(file, served.Tokenizer, maxTokens, r.OverLong, served.Model.Config.VocabSize);
        var rows = new List<Row>();
        if (r.IncludeBase) rows.Add(new Row(null, 0, null, ModelEvaluator.Evaluate(served.Model, data, r.BatchSize)));
        foreach (var a in r.Adapters)
        {
            var (runtime, refresh) = served.Use(a.Path, a.Scale);
            rows.Add(new Row(a.Path, a.Scale, (runtime + refresh).TotalMilliseconds, ModelEvaluator.Evaluate(served.Model, data, r.BatchSize)));
        }
        return (rows, report);
    }
}
