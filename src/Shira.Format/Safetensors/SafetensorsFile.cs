namespace Shira.Format.Safetensors;

/// <summary>A read-only, memory-mapped safetensors file with zero-copy tensor views.</summary>
public sealed partial class SafetensorsFile : IDisposable
{
    /// <summary>Maps and validates a file.</summary>
    public static SafetensorsFile Open(string path, SafetensorsOptions? options = null) => throw new NotImplementedException();

    /// <summary>The path.</summary>
    public string FilePath => throw new NotImplementedException();
    /// <summary>The validated header.</summary>
    public SafetensorsHeader Header => throw new NotImplementedException();
    /// <summary>Tensors in data order.</summary>
    public IReadOnlyList<SafetensorsTensorInfo> Tensors => Header.Tensors;
    /// <summary>Finds a tensor.</summary>
    public bool TryGetTensor(string name, out SafetensorsTensorInfo tensor) => Header.TryGetTensor(name, out tensor);
    /// <summary>The tensor's raw little-endian bytes, a view of the map valid while the file is open.</summary>
    public ReadOnlySpan<byte> GetBytes(SafetensorsTensorInfo tensor) => throw new NotImplementedException();
    /// <summary>The tensor's raw bytes by name (throws <see cref="ShiraErrorCode.SafetensorsTensorNotFound"/>).</summary>
    public ReadOnlySpan<byte> GetBytes(string name) => throw new NotImplementedException();
    /// <summary>Reads a float or integer tensor widened to f32 (F32, F16, BF16, F64, integer types, F8 types).</summary>
    public float[] ReadSingles(string name) => throw new NotImplementedException();

    /// <inheritdoc />
    public void Dispose() => throw new NotImplementedException();
}
