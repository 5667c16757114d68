using System.Text;
using Shira.Convert.Peft;
using Shira.Format;

namespace Shira.Convert.Tests;

public class PeftConfigTests
{
    private static PeftConfig Parse(string json) => PeftConfig.Parse(Encoding.UTF8.GetBytes(json), "adapter_config.json");

    private static ShiraErrorCode Refusal(string json) => Assert.Throws<ShiraException>(() => Parse(json)).Code;

    [Fact]
    public void Fixture_configs_parse_with_their_values()
    {
        var lora = PeftConfig.Load(Path.Combine(Fixtures.Llama("lora_pattern"), "adapter_config.json"));
        Assert.Equal(PeftType.Lora, lora.Type);
        Assert.Equal(8, lora.R);
        Assert.Equal(16, lora.LoraAlpha);
        Assert.Equal(7, lora.TargetModules.Count);
        Assert.Equal(4, lora.ScalingFor("model.layers.0.self_attn.q_proj", out int r, out _));
        Assert.Equal(4, r);
        Assert.Equal(2, lora.ScalingFor("model.layers.1.self_attn.q_proj", out _, out _));
        Assert.Equal(4, lora.ScalingFor("model.layers.1.mlp.down_proj", out _, out double alpha));
        Assert.Equal(32, alpha);

        var shira = PeftConfig.Load(Path.Combine(Fixtures.Llama("shira"), "adapter_config.json"));
        Assert.Equal(PeftType.Shira, shira.Type);
        Assert.Equal("random", shira.MaskType);
        Assert.Equal(42UL, shira.RandomSeed);
        Assert.True(PeftConfig.Load(Path.Combine(Fixtures.Llama("lora_dora"), "adapter_config.json")).UseDora);
        Assert.True(PeftConfig.Load(Path.Combine(Fixtures.Llama("lora_rslora"), "adapter_config.json")).UseRslora);
    }

    [Fact]
    public void Rslora_scaling_is_alpha_over_sqrt_r()
    {
        var c = Parse("""{"peft_type":"LORA","r":8,"lora_alpha":16,"use_rslora":true}""");
        Assert.Equal(16 / Math.Sqrt(8), c.ScalingFor("x", out _, out _));
    }

    [Fact]
    public void Schema_drift_is_tolerated()
    {
        // PEFT 0.8-era config: no use_dora, layer_replication, lora_bias...; plus unknown future keys.
        var old = Parse("""
            {"base_model_name_or_path":"gpt2","bias":"none","fan_in_fan_out":true,"inference_mode":true,"init_lora_weights":true,
             "layers_pattern":null,"layers_to_transform":null,"lora_alpha":16,"lora_dropout":0.1,"modules_to_save":null,
             "peft_type":"LORA","r":8,"revision":null,"target_modules":["c_attn"],"task_type":"SEQ_CLS",
             "some_future_key":{"nested":[1,2]}}
            """);
        Assert.False(old.UseDora);
        Assert.True(old.FanInFanOut);
        Assert.Empty(old.ModulesToSave);
        Assert.Equal("SEQ_CLS", old.TaskType);

        var drift = Parse("""
            {"peft_type":"LORA","r":8,"lora_alpha":16,"modules_to_save":["pre_classifier","classifier","classifier","score"],
             "peft_version":"0.18.2.dev0@UNKNOWN","task_type":null,"target_modules":"q_lin|v_lin","rank_pattern":null,
             "alpha_pattern":{},"loftq_config":{},"eva_config":null,"corda_config":null,"use_dora":null}
            """);
        Assert.Equal(["pre_classifier", "classifier", "score"], drift.ModulesToSave);
        Assert.Equal("0.18.2.dev0@UNKNOWN", drift.PeftVersion);
        Assert.Equal("", drift.TaskType);
        Assert.Equal(["q_lin|v_lin"], drift.TargetModules);
        Assert.Empty(Parse("""{"peft_type":"LORA","modules_to_save":[]}""").ModulesToSave);
        Assert.Equal(8, Parse("""{"peft_type":"lora"}""").R);
    }

    [Theory]
    [InlineData("\"eva\"")]
    [InlineData("\"gaussian\"")]
    [InlineData("\"orthogonal\"")]
    [InlineData("false")]
    [InlineData("true")]
    public void Inits_that_leave_the_base_alone_are_accepted(string init) =>
        Assert.Equal(PeftType.Lora, Parse($$"""{"peft_type":"LORA","init_lora_weights":{{init}}}""").Type);

    [Theory]
    [InlineData("""{"peft_type":"LORA","init_lora_weights":"pissa"}""")]
    [InlineData("""{"peft_type":"LORA","init_lora_weights":"pissa_niter_4"}""")]
    [InlineData("""{"peft_type":"LORA","init_lora_weights":"olora"}""")]
    [InlineData("""{"peft_type":"LORA","init_lora_weights":"corda"}""")]
    [InlineData("""{"peft_type":"LORA","init_lora_weights":"loftq"}""")]
    [InlineData("""{"peft_type":"LORA","init_lora_weights":"lora_ga"}""")]
    [InlineData("""{"peft_type":"LORA","init_lora_weights":"something_new"}""")]
    [InlineData("""{"peft_type":"LORA","loftq_config":{"loftq_bits":4}}""")]
    [InlineData("""{"peft_type":"LORA","corda_config":{"cache_file":"x"}}""")]
    [InlineData("""{"peft_type":"LORA","lora_ga_config":{"direction":"ArB2r"}}""")]
    [InlineData("""{"peft_type":"LORA","layer_replication":[[0,4],[2,5]]}""")]
    [InlineData("""{"peft_type":"LORA","use_qalora":true}""")]
    [InlineData("""{"peft_type":"LORA","target_parameters":["experts.gate_up_proj"]}""")]
    [InlineData("""{"peft_type":"LORA","trainable_token_indices":[1,2]}""")]
    [InlineData("""{"peft_type":"LORA","megatron_config":{"tp":2}}""")]
    [InlineData("""{"peft_type":"LORA","alora_invocation_tokens":[5,6]}""")]
    [InlineData("""{"peft_type":"VERA","r":256}""")]
    [InlineData("""{"peft_type":"IA3"}""")]
    [InlineData("""{"peft_type":"ADALORA"}""")]
    [InlineData("""{"peft_type":"SHIRA","fan_in_fan_out":true}""")]
    public void Configs_that_would_give_a_wrong_adapter_are_refused(string json)
    {
        var e = Assert.Throws<ShiraException>(() => Parse(json));
        Assert.Equal(ShiraErrorCode.PeftUnsupported, e.Code);
        Assert.False(string.IsNullOrWhiteSpace(e.Message));
    }

    [Theory]
    [InlineData("{")]
    [InlineData("[]")]
    [InlineData("""{"r":8}""")]
    [InlineData("""{"peft_type":"LORA","r":0}""")]
    [InlineData("""{"peft_type":"LORA","r":"8"}""")]
    [InlineData("""{"peft_type":"LORA","target_modules":[1]}""")]
    [InlineData("""{"peft_type":"LORA","rank_pattern":{"q":0}}""")]
    [InlineData("""{"peft_type":"LORA","init_lora_weights":3}""")]
    public void Malformed_configs_are_PeftBadConfig(string json) => Assert.Equal(ShiraErrorCode.PeftBadConfig, Refusal(json));

    [Theory]
    // PEFT: re.match(rf"(.*\.)?({key})$", module)
    [InlineData("q_proj", "model.layers.0.self_attn.q_proj", true)]
    [InlineData("model.layers.0.self_attn.q_proj", "model.layers.0.self_attn.q_proj", true)]
    [InlineData("layers.0.self_attn.q_proj", "model.layers.0.self_attn.q_proj", true)]
    [InlineData("proj", "model.layers.0.self_attn.q_proj", false)]
    [InlineData("q_proj", "model.layers.0.self_attn.q_proj_extra", false)]
    [InlineData(@"layers\.1\..*proj", "model.layers.1.mlp.down_proj", true)]
    [InlineData(@"layers\.1\..*proj", "model.layers.11.mlp.down_proj", false)]
    [InlineData("self_attn.q_proj", "model.layers.0.xself_attn.q_proj", false)]
    public void Pattern_keys_match_like_PEFTs_get_pattern_key(string key, string module, bool matches) =>
        Assert.Equal(matches, PeftPatterns.Matches(key, module));

    [Fact]
    public void The_first_matching_pattern_wins()
    {
        var c = Parse("""{"peft_type":"LORA","r":8,"rank_pattern":{"q_proj":2,"layers.0.self_attn.q_proj":4}}""");
        c.ScalingFor("model.layers.0.self_attn.q_proj", out int r, out _);
        Assert.Equal(2, r);
    }
}
