using Shira.Format.Safetensors;

namespace Shira.Convert.Peft;

/// <summary>A full tensor carried from the adapter file as a replacement of the base tensor.</summary>
internal sealed record PeftDenseTensor(string Target, SafetensorsTensorInfo Tensor);
