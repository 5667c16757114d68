using Shira.Format.Numerics;

namespace Shira.Format.Safetensors;

public sealed partial class SafetensorsFile
{
    /// <summary>Reads a float or integer tensor widened to f32 (F32, F16, BF16, F64, integer types, F8 types).</summary>
    public float[] ReadSingles(string name) => ReadSingles(GetTensor(name));

    /// <summary>Reads a tensor of this file widened to f32 (see <see cref="ReadSingles(string)"/>).</summary>
    public float[] ReadSingles(SafetensorsTensorInfo tensor)
    {
        CheckWidenable(tensor);
        long numel = tensor.Numel;
        if (numel > Array.MaxLength)
        {
            throw ShiraErrors.SafetensorsTensorTooLarge($"tensor '{tensor.Name}' has {numel} elements, more than one array holds", FilePath, tensor.Name, Header.DataStart + tensor.Begin);
        }
        var result = new float[numel];
        ReadSingles(tensor, 0, result);
        return result;
    }

    /// <summary>Widens <c>destination.Length</c> elements of the tensor starting at element <paramref name="firstElement"/>
    /// into <paramref name="destination"/> (for streaming large tensors without one big array).</summary>
    public void ReadSingles(SafetensorsTensorInfo tensor, long firstElement, Span<float> destination)
    {
        CheckWidenable(tensor);
        ArgumentOutOfRangeException.ThrowIfNegative(firstElement);
        if (firstElement > tensor.Numel - destination.Length)
            throw new ArgumentOutOfRangeException(nameof(destination), $"elements [{firstElement}, {firstElement}+{destination.Length}) are outside the tensor's {tensor.Numel}");
        int size = tensor.DType.ByteSize();
        // Chunks keep each span under 2 GiB.
        const int Chunk = 1 << 24;
        for (int done = 0; done < destination.Length; done += Chunk)
        {
            int count = Math.Min(Chunk, destination.Length - done);
            var bytes = GetBytes(tensor, (firstElement + done) * size, count * size);
            FloatSpans.ToSingle(bytes, tensor.DType, destination.Slice(done, count));
        }
    }

    private void CheckWidenable(SafetensorsTensorInfo tensor)
    {
        ArgumentNullException.ThrowIfNull(tensor);
        if (!FloatSpans.CanWiden(tensor.DType))
        {
            throw ShiraErrors.SafetensorsUnsupportedDType($"tensor '{tensor.Name}' has dtype {tensor.DType}, which cannot be read as f32", FilePath, tensor.Name, Header.DataStart + tensor.Begin);
        }
    }
}
