namespace Shira.Format.Safetensors;

/// <summary>Writes a tensor's bytes to the output; must write exactly the declared byte length.</summary>
public delegate void TensorDataWriter(Stream destination);
