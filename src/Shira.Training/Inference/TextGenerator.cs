using Shira.Training.Data;
using Shira.Training.Models;
using static TorchSharp.torch;

namespace Shira.Training.Inference;

/// <summary>
/// Autoregressive decoding: greedy, or temperature sampling drawn with <see cref="DataRng"/> so a seed gives the
/// same text on every platform. The whole prefix is re-run each step (no key/value cache): simple and exact,
/// and fast enough for the short outputs used to look at what an adapter does.
/// </summary>
public static class TextGenerator
{
    /// <summary>The new token ids after <paramref name="prompt"/> (the stop token, when reached, included).</summary>
    public static int[] Generate(LlamaForCausalLM model, IReadOnlyList<int> prompt, GenerationOptions options)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(prompt);
        ArgumentNullException.ThrowIfNull(options);
        if (prompt.Count == 0) throw new ArgumentException("the prompt has no token", nameof(prompt));
        ArgumentOutOfRangeException.ThrowIfNegative(options.MaxNewTokens);
        if (!(options.Temperature >= 0) || double.IsInfinity(options.Temperature))
            throw new ArgumentOutOfRangeException(nameof(options), "the temperature must be a finite number ≥ 0");
        var rng = DataRng.Derive(options.Seed, "generate");
        var ids = new List<long>(prompt.Count + options.MaxNewTokens);
        foreach (var id in prompt) ids.Add(id);
        var output = new List<int>();
        bool wasTraining = model.training;
        model.eval();
        try
        {
            using var noGrad = no_grad();
            for (int step = 0; step < options.MaxNewTokens; step++)
            {
                if (options.MaxSequenceLength > 0 && ids.Count >= options.MaxSequenceLength) break;
                int next;
                using (var scope = NewDisposeScope())
                {
                    var logits = model.call(tensor(ids.ToArray(), [1, ids.Count]))[0, -1].to_type(ScalarType.Float64);
                    if (options.Temperature == 0)
                    {
                        next = (int)logits.argmax().item<long>();
                    }
                    else
                    {
                        var probs = nn.functional.softmax(logits / options.Temperature, 0).data<double>().ToArray();
                        next = Sample(probs, rng.NextDouble());
                    }
                }
                output.Add(next);
                ids.Add(next);
                if (next == options.StopId) break;
            }
        }
        finally
        {
            model.train(wasTraining);
        }
        return [.. output];
    }

    private static int Sample(double[] probs, double u)
    {
        double acc = 0;
        for (int i = 0; i < probs.Length; i++)
        {
            acc += probs[i];
            if (u < acc) return i;
        }
        return probs.Length - 1; // rounding left u just above the total
    }
}
