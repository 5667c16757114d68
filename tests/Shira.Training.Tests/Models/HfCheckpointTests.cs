using Shira.Format;
using Shira.Testing;
using Shira.Training.Models;
using static TorchSharp.torch;

namespace Shira.Training.Tests.Models;

public sealed class HfCheckpointTests
{
    public static TheoryData<string, string> Cases => new()
    {
        { "llama", "gqa-untied" },
        { "llama", "attention-bias-tied-headdim" },
        { "qwen2", "qkv-bias-tied" },
        { "mistral", "sliding-window" },
        { "llama", "bf16" },
    };

    private static (ReferenceLlama.Shape Shape, DType DType) Setup(string variant) => variant switch
    {
        "gqa-untied" => (new(37, 16, 24, 2, 4, 2, 4, 500000, 1e-5, false, false, false, 0), DType.F32),
        "attention-bias-tied-headdim" => (new(37, 16, 24, 2, 2, 1, 12, 10000, 1e-6, true, true, true, 0), DType.F32),
        "qkv-bias-tied" => (new(37, 16, 24, 2, 4, 2, 4, 1000000, 1e-6, true, true, false, 0), DType.F32),
        "sliding-window" => (new(37, 16, 24, 2, 4, 1, 4, 10000, 1e-5, false, false, false, 3), DType.F32),
        "bf16" => (new(37, 16, 24, 1, 4, 4, 4, 10000, 1e-5, false, false, false, 0), DType.BF16),
        _ => throw new ArgumentOutOfRangeException(nameof(variant)),
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public void Hf_checkpoint_forward_matches_an_independent_reference(string modelType, string variant)
    {
        var (shape, dtype) = Setup(variant);
        using var dir = new TempDir();
        var weights = RandomHfCheckpoint.Write(dir.Path, shape, modelType, seed: 7, dtype);
        using var model = LlamaCheckpoint.Load(dir.Path);
        Assert.Equal(modelType, model.Config.ModelType);
        int[] ids = [3, 17, 0, 36, 5, 5, 21, 9];
        var expected = new ReferenceLlama(weights, shape).Forward(ids);
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        var logits = model.call(tensor(ids.Select(i => (long)i).ToArray(), [1, ids.Length]));
        var actual = logits.data<float>().ToArray();
        double maxAbs = 0, maxDiff = 0;
        for (int p = 0; p < ids.Length; p++)
        {
            for (int v = 0; v < shape.Vocab; v++)
            {
                maxAbs = Math.Max(maxAbs, Math.Abs(expected[p][v]));
                maxDiff = Math.Max(maxDiff, Math.Abs(expected[p][v] - actual[p * shape.Vocab + v]));
            }
        }
        Assert.True(maxAbs > 0.5, $"logits too small to compare ({maxAbs})");
        Assert.True(maxDiff < 2e-4 * Math.Max(1, maxAbs), $"max |Δ| {maxDiff} for logits up to {maxAbs}");
    }

    [Fact]
    public void Sliding_window_changes_the_logits_only_beyond_the_window()
    {
        var (shape, _) = Setup("sliding-window");
        using var dir = new TempDir();
        var weights = RandomHfCheckpoint.Write(dir.Path, shape, "mistral", seed: 3);
        var windowed = new ReferenceLlama(weights, shape).Forward([1, 2, 3, 4, 5, 6]);
        var full = new ReferenceLlama(weights, shape with { Window = 0 }).Forward([1, 2, 3, 4, 5, 6]);
        // Positions 0..2 see at most 3 keys either way; later ones differ — so the reference test above is sharp.
        Assert.Equal(windowed[2], full[2]);
        Assert.NotEqual(windowed[5][0], full[5][0]);
    }

    [Theory]
    [InlineData("""{"model_type": "gpt2"}""", ShiraErrorCode.ModelConfigUnsupported, "gpt2")]
    [InlineData("""{"model_type": "gemma"}""", ShiraErrorCode.ModelConfigUnsupported, "gemma")]
    [InlineData("""{"rope_scaling": {"rope_type": "llama3", "factor": 8.0}}""", ShiraErrorCode.ModelConfigUnsupported, "rope_scaling")]
    [InlineData("""{"rope_scaling": {"type": "linear", "factor": 2.0}}""", ShiraErrorCode.ModelConfigUnsupported, "linear")]
    [InlineData("""{"hidden_act": "gelu"}""", ShiraErrorCode.ModelConfigUnsupported, "gelu")]
    [InlineData("""{"mlp_bias": true}""", ShiraErrorCode.ModelConfigUnsupported, "mlp_bias")]
    [InlineData("""{"model_type": "qwen2", "use_sliding_window": true}""", ShiraErrorCode.ModelConfigUnsupported, "sliding")]
    [InlineData("""{"model_type": "llama", "sliding_window": 4096}""", ShiraErrorCode.ModelConfigUnsupported, "sliding_window")]
    [InlineData("""{"num_attention_heads": 6, "num_key_value_heads": 4}""", ShiraErrorCode.ModelConfigMalformed, "multiple")]
    [InlineData("""{"hidden_size": "big"}""", ShiraErrorCode.ModelConfigMalformed, "hidden_size")]
    [InlineData("""{"tie_word_embeddings": 1}""", ShiraErrorCode.ModelConfigMalformed, "tie_word_embeddings")]
    [InlineData("""[1]""", ShiraErrorCode.ModelConfigMalformed, "object")]
    [InlineData("""{""", ShiraErrorCode.ModelConfigMalformed, "JSON")]
    public void Config_refuses_what_the_model_does_not_implement(string json, ShiraErrorCode code, string reason)
    {
        var e = Assert.Throws<ShiraException>(() => LlamaConfig.FromJson(json, "ckpt/config.json"));
        Assert.Equal(code, e.Code);
        Assert.Contains(reason, e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Family_configs_read_their_defaults_and_round_trip()
    {
        var qwen = LlamaConfig.FromJson("""{"model_type": "qwen2", "hidden_size": 64, "num_attention_heads": 4, "use_sliding_window": false, "sliding_window": 131072, "rope_scaling": null}""");
        Assert.True(qwen.QkvBias);
        Assert.False(qwen.OutputBias);
        Assert.Equal(0, qwen.SlidingWindow);
        var mistral = LlamaConfig.FromJson("""{"model_type": "mistral", "sliding_window": 4096, "max_position_embeddings": 32768}""");
        Assert.Equal(4096, mistral.SlidingWindow);
        Assert.Equal(32768, mistral.MaxPositionEmbeddings);
        var llama = LlamaConfig.FromJson("""{"attention_bias": true, "rope_scaling": {"rope_type": "default"}}""");
        Assert.True(llama.QkvBias && llama.OutputBias);
        foreach (var c in new[] { qwen, mistral, llama }) Assert.Equal(c, LlamaConfig.FromJson(c.ToJson()));
    }
}
