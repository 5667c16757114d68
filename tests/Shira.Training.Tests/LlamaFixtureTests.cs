using System.Text.Json.Nodes;
using Shira.Format.Safetensors;
using Shira.Testing;
using Shira.Training.Models;
using static TorchSharp.torch;

namespace Shira.Training.Tests;

/// <summary>
/// The PEFT fixtures' llama_tiny: its arch.json says only "see make_fixtures.py ToyLlama"; probing shows the toy is
/// this model's trunk (pre-norm blocks with RMSNorm eps 1e-6, causal softmax attention, SwiGLU, final norm) fed
/// with x [B, T, hidden] directly and without rotary positions. Running our blocks with rotation off must
/// reproduce torch's y_base, and y_adapter from the PEFT-merged weights.
/// </summary>
public sealed class LlamaFixtureTests
{
    private static string Dir => Path.Combine(RepoPaths.Peft, "llama_tiny");

    [Theory]
    [InlineData("base/model.safetensors", "lora/io.safetensors", "y_base")]
    [InlineData("lora/merged.safetensors", "lora/io.safetensors", "y_adapter")]
    [InlineData("shira/merged.safetensors", "shira/io.safetensors", "y_adapter")]
    [InlineData("lora_dora/merged.safetensors", "lora_dora/io.safetensors", "y_adapter")]
    public void Trunk_reproduces_the_torch_toy_forward(string weights, string io, string output)
    {
        var arch = JsonNode.Parse(File.ReadAllText(Path.Combine(Dir, "base/arch.json")))!;
        Assert.Equal("llama", (string?)arch["kind"]);
        Assert.False((bool)arch["bias"]!);
        var config = new LlamaConfig
        {
            VocabSize = 2, // the toy has no embedding; ours is unused here
            HiddenSize = (int)arch["hidden"]!,
            IntermediateSize = (int)arch["intermediate"]!,
            NumHiddenLayers = (int)arch["layers"]!,
            NumAttentionHeads = (int)arch["heads"]!,
            NumKeyValueHeads = (int)arch["heads"]!,
            RmsNormEps = 1e-6,
        };
        using var trunk = new LlamaModel(config);
        using var file = SafetensorsFile.Open(Path.Combine(Dir, weights));
        using (no_grad())
        {
            foreach (var (name, p) in trunk.named_parameters())
            {
                if (name == "embed_tokens.weight") continue;
                var info = file.Tensors.Single(t => t.Name == "model." + name);
                Assert.Equal(p.shape, info.Shape);
                p.copy_(tensor(file.ReadSingles(info), p.shape));
            }
        }
        using var ioFile = SafetensorsFile.Open(Path.Combine(Dir, io));
        using var scope = NewDisposeScope();
        var x = tensor(ioFile.ReadSingles("x"), [2, 7, config.HiddenSize]);
        var expected = tensor(ioFile.ReadSingles(output), [2, 7, config.HiddenSize]);
        var cos = ones(7, config.HeadDim);
        var sin = zeros(7, config.HeadDim);
        using var noGrad = no_grad();
        var y = trunk.ForwardEmbeddings(x, cos, sin);
        var maxDiff = (y - expected).abs().max().item<float>();
        Assert.True(maxDiff < 1e-5f, $"max |y - {output}| = {maxDiff}");
    }
}
