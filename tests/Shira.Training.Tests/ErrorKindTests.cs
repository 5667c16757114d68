using Shira.Format;
using Shira.Format.Safetensors;
using Shira.Testing;
using Shira.Training.Data;
using Shira.Training.Jobs;
using Shira.Training.Masks;
using Shira.Training.Models;

namespace Shira.Training.Tests;

/// <summary>Issue 11: a caller's mistake is a .NET argument exception (the CLIs print it under SHIRA-E9002, exit 2);
/// bad data, checkpoints and configs are <see cref="ShiraException"/> with their own code (exit 1, or 2 for I/O).</summary>
public sealed class ErrorKindTests
{
    [Fact]
    public void A_config_built_wrong_in_code_is_an_argument_error_and_the_same_in_a_file_is_malformed()
    {
        var bad = TrainRequest.TinyConfig with { NumAttentionHeads = 6, NumKeyValueHeads = 4 };
        var e = Assert.Throws<ArgumentException>(() => bad.Validate());
        Assert.Contains("num_key_value_heads", e.Message, StringComparison.Ordinal);

        var fromFile = Assert.Throws<ShiraException>(() => LlamaConfig.FromJson(bad.ToJson(), "ckpt/config.json"));
        Assert.Equal(ShiraErrorCode.ModelConfigMalformed, fromFile.Code);
        Assert.Equal("ckpt/config.json", fromFile.FilePath);
        Assert.StartsWith("malformed model config: ", fromFile.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Bad_budget_and_mask_arguments_are_argument_errors()
    {
        Assert.Equal("density", Assert.Throws<ArgumentOutOfRangeException>(() => AdapterBudget.FromDensity(0)).ParamName);
        Assert.Equal("density", Assert.Throws<ArgumentOutOfRangeException>(() => AdapterBudget.FromDensity(1.5)).ParamName);
        Assert.Equal("rank", Assert.Throws<ArgumentOutOfRangeException>(() => AdapterBudget.FromRank(0)).ParamName);
        Assert.Equal("stride", Assert.Throws<ArgumentOutOfRangeException>(() => MaskSelector.Structured(4, 4, 0)).ParamName);
        Assert.Equal("k", Assert.Throws<ArgumentOutOfRangeException>(() => MaskSelector.RandomIndices(4, 5, 1)).ParamName);
        Assert.Equal("k", Assert.Throws<ArgumentOutOfRangeException>(() => MaskSelector.TopKIndices(new[] { 1f }, 2)).ParamName);
    }

    [Fact]
    public void A_text_file_without_lines_is_DataEmpty_naming_the_file()
    {
        using var dir = new TempDir();
        File.WriteAllText(dir.File("empty.txt"), "\n\n");
        var e = Assert.Throws<ShiraException>(() => TokenDataset.FromTextFile(dir.File("empty.txt")));
        Assert.Equal(ShiraErrorCode.DataEmpty, e.Code);
        Assert.Equal(dir.File("empty.txt"), e.FilePath);
    }

    [Fact]
    public void A_checkpoint_without_a_config_is_an_IoError_naming_the_missing_config_json()
    {
        using var dir = new TempDir();
        string path = dir.File("model.safetensors");
        SafetensorsWriter.WriteFile(path, [SafetensorsTensorSource.FromBytes("w", DType.F32, [1], new byte[4])]);
        using var checkpoint = SafetensorsCheckpoint.Open(path);
        var e = Assert.Throws<ShiraException>(() => LlamaCheckpoint.ReadConfig(checkpoint, path));
        Assert.Equal(ShiraErrorCode.IoError, e.Code);
        Assert.Equal(Path.Combine(dir.Path, "config.json"), e.FilePath);
        Assert.Contains("no LLaMA config", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_base_too_small_for_byte_level_data_is_a_vocabulary_mismatch()
    {
        using var dir = new TempDir();
        string basePath = dir.File("base.safetensors");
        using (var model = new LlamaForCausalLM(TrainRequest.TinyConfig with { VocabSize = 100 }, seed: 1))
            LlamaCheckpoint.Save(model, basePath);
        var e = Assert.Throws<ShiraException>(() => TrainRunner.Run(new TrainRequest
        {
            BasePath = basePath, TaskName = "caesar", Steps = 1, BatchSize = 2, TrainExamples = 4, EvalExamples = 0,
            OutputPath = dir.File("x.shira"),
        }));
        Assert.Equal(ShiraErrorCode.TokenizerVocabularyMismatch, e.Code);
        Assert.Equal(basePath, e.FilePath);
        Assert.False(File.Exists(dir.File("x.shira")));
    }
}
