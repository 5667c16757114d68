using System.Buffers.Binary;
using Shira.Format.Numerics;
using Shira.Format.Safetensors;
using Shira.Testing;

namespace Shira.Format.Tests.Numerics;

/// <summary>The PEFT fixtures hold the same base model in fp32 and as torch made it in bf16 and fp16: our narrowing must
/// give PyTorch's bits for every weight.</summary>
public class TorchRoundingTests
{
    [Theory]
    [InlineData("llama_tiny/base", ValueDType.BF16, "model.bf16.safetensors")]
    [InlineData("llama_tiny/base", ValueDType.F16, "model.fp16.safetensors")]
    [InlineData("gpt2_tiny/base", ValueDType.BF16, "model.bf16.safetensors")]
    [InlineData("gpt2_tiny/base", ValueDType.F16, "model.fp16.safetensors")]
    [InlineData("llama_tiny/dense_ft", ValueDType.BF16, "base.bf16.safetensors")]
    public void Narrowing_the_fp32_base_gives_torchs_bits(string folder, ValueDType type, string lowFile)
    {
        string dir = Path.Combine(RepoPaths.Peft, folder);
        string f32File = File.Exists(Path.Combine(dir, "model.safetensors")) ? "model.safetensors" : "base.safetensors";
        using var f32 = SafetensorsFile.Open(Path.Combine(dir, f32File));
        using var low = SafetensorsFile.Open(Path.Combine(dir, lowFile));
        Assert.Equal(f32.Tensors.Select(t => t.Name).Order(), low.Tensors.Select(t => t.Name).Order());
        foreach (var t in f32.Tensors)
        {
            var values = f32.ReadSingles(t);
            var expected = low.GetBytes(t.Name);
            var ours = new byte[values.Length * 2];
            FloatSpans.FromSingle(values, type, ours);
            Assert.True(expected.SequenceEqual(ours), $"{t.Name}: first difference at element {expected.CommonPrefixLength(ours) / 2}");
            for (int i = 0; i < values.Length; i++)
            {
                ushort bits = BinaryPrimitives.ReadUInt16LittleEndian(expected[(i * 2)..]);
                ushort scalar = type == ValueDType.BF16 ? FloatBits.SingleToBF16(values[i]) : FloatBits.SingleToF16(values[i]);
                if (bits != scalar) Assert.Fail($"{t.Name}[{i}]: torch {bits:X4}, ours {scalar:X4}");
            }
        }
    }
}
