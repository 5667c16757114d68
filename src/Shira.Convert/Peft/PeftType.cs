namespace Shira.Convert.Peft;

/// <summary>The PEFT methods this converter understands.</summary>
internal enum PeftType
{
    /// <summary>LoRA (including rsLoRA, DoRA, fan_in_fan_out, embedding LoRA, lora_bias).</summary>
    Lora,
    /// <summary>SHiRA: sparse (row, col, value) triples.</summary>
    Shira,
}
