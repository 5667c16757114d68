using System.Diagnostics;
using Shira.Training.Data;
using Shira.Training.Models;
using TorchSharp;
using static TorchSharp.torch;

namespace Shira.Training.Jobs;

/// <summary>Settings of <see cref="Pretrainer.Pretrain"/>.</summary>
public sealed record PretrainOptions
{
    /// <summary>Optimizer steps (default 1500).</summary>
    public int Steps { get; init; } = 1500;
    /// <summary>Examples per batch (default 32).</summary>
    public int BatchSize { get; init; } = 32;
    /// <summary>Peak learning rate of AdamW, reached after a short warm-up and decayed with a cosine (default 3e-3).</summary>
    public double LearningRate { get; init; } = 3e-3;
    /// <summary>Seed for the data order and torch's generator.</summary>
    public ulong Seed { get; init; }
    /// <summary>Intra-op threads (default 1, for runs that repeat bit for bit).</summary>
    public int Threads { get; init; } = 1;
}

/// <summary>Full-parameter training of a small base model (the starting point the adapters are tuned from).</summary>
public static class Pretrainer
{
    /// <summary>Trains every parameter of <paramref name="model"/> on <paramref name="data"/>; returns the loss of
    /// each step. <paramref name="progress"/> gets (step, loss, seconds so far).</summary>
    public static IReadOnlyList<double> Pretrain(LlamaForCausalLM model, TokenDataset data, PretrainOptions options,
        Action<int, double, double>? progress = null)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(data);
        ArgumentNullException.ThrowIfNull(options);
        Trainer.SetDeterministic(unchecked((long)options.Seed), options.Threads);
        foreach (var p in model.parameters()) p.requires_grad = true;
        model.train();
        var sampler = new BatchSampler(data, options.BatchSize, options.Seed);
        using var optimizer = optim.AdamW(model.parameters(), options.LearningRate, weight_decay: 0.01);
        int warmup = Math.Max(1, options.Steps / 20);
        var losses = new List<double>(options.Steps);
        var clock = Stopwatch.StartNew();
        for (int s = 0; s < options.Steps; s++)
        {
            double scale = s < warmup
                ? (s + 1.0) / warmup
                : 0.1 + 0.9 * 0.5 * (1 + Math.Cos(Math.PI * (s - warmup) / Math.Max(1, options.Steps - warmup)));
            foreach (var g in optimizer.ParamGroups) g.LearningRate = options.LearningRate * scale;
            using var scope = NewDisposeScope();
            optimizer.zero_grad();
            var loss = model.Loss(sampler.Next());
            loss.backward();
            nn.utils.clip_grad_norm_(model.parameters(), 1.0);
            optimizer.step();
            double value = loss.item<float>();
            losses.Add(value);
            progress?.Invoke(s + 1, value, clock.Elapsed.TotalSeconds);
        }
        optimizer.zero_grad();
        foreach (var p in model.parameters())
        {
            p.grad?.Dispose();
            p.grad = null;
        }
        model.eval();
        return losses;
    }
}
