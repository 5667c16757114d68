using Shira.Convert.Lora;
using Shira.Convert.Peft;

using Shira.Format.Safetensors;

namespace Shira.Convert;

/// <summary>Converts a PEFT adapter folder (LoRA or SHiRA, detected from its config) into a .shira file.</summary>
public static class PeftConverter
{
    /// <summary>
    /// Converts <paramref name="source"/> (a PEFT adapter folder) into <paramref name="output"/>, written atomically.
    /// Every check (config, tensor names and shapes, base targets) runs before the output is created. Throws
    /// <see cref="Format.ShiraException"/> with a 5xxx code for adapters that cannot be converted exactly.
    /// </summary>
    public static ConversionReport Convert(string source, string output, ConvertOptions? options = null)
    {
        options ??= new ConvertOptions();
        options.Validate();
        using var folder = PeftAdapterFolder.Open(source);
        using var baseModel = options.BasePath is null ? null : SafetensorsCheckpoint.Open(options.BasePath);
        return folder.Config.Type == PeftType.Shira
            ? PeftShiraImport.Run(folder, baseModel, output, options)
            : LoraConversion.Run(folder, baseModel, output, options);
    }
}
