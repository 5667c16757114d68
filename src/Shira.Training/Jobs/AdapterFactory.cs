using Shira.Format;
using Shira.Training.Data;
using Shira.Training.Masks;
using Shira.Training.Models;

namespace Shira.Training.Jobs;

/// <summary>Attaches the adapter a <see cref="TrainRequest"/> asks for.</summary>
internal static class AdapterFactory
{
    /// <summary>SHiRA with the request's mask strategy and budget, or LoRA at the same total parameter count
    /// (the rank itself for a rank budget; for a density budget the rank whose r·Σ(in+out) is closest to the
    /// SHiRA total).</summary>
    public static ITrainableAdapter Attach(LlamaForCausalLM model, TrainRequest request, TokenDataset calibrationData)
    {
        if (request.Method == "lora")
        {
            int rank = request.Budget.Rank > 0 ? request.Budget.Rank : MatchingLoraRank(model, request);
            return LoraAdapter.Attach(model, new LoraConfig
            {
                TargetModules = request.TargetModules,
                Rank = rank,
                Alpha = request.LoraAlphaOverRank * rank,
                Seed = request.Seed,
            });
        }
        var calibration = new BatchSampler(calibrationData, request.BatchSize, request.Seed ^ 0xCA11B4A7E5UL);
        return ShiraAdapter.Attach(model, new ShiraConfig
        {
            TargetModules = request.TargetModules,
            Strategy = request.Strategy,
            Budget = request.Budget,
            Seed = request.Seed,
            CalibrationBatches = request.CalibrationBatches,
        }, _ => model.Loss(calibration.Next()));
    }

    private static int MatchingLoraRank(LlamaForCausalLM model, TrainRequest request)
    {
        long entries = 0, fan = 0;
        foreach (var (_, linear) in TargetSelector.Find(model, request.TargetModules, null))
        {
            entries += request.Budget.EntriesFor(linear.out_features, linear.in_features);
            fan += linear.out_features + linear.in_features;
        }
        return (int)Math.Max(1, Math.Round((double)entries / fan, MidpointRounding.ToEven));
    }
}
