using Shira.Format.Container;
using Shira.Testing;

namespace Shira.Format.Tests.Container;

/// <summary>The code shown in docs/notes/container.md (README section), kept compiling and correct.</summary>
public class ReadmeExampleTests
{
    [Fact]
    public void Readme_example_writes_reads_and_validates()
    {
        using var dir = new TempDir();
        string path = dir.File("demo.shira");

        // --- README snippet ---
        var meta = new AdapterMetadata { Name = "demo", BaseModel = "meta-llama/Llama-2-7b-hf" };
        ShiraWriter.WriteFile(path, meta, w =>
        {
            // Tensors in ascending name order; indices are flat row-major positions, strictly increasing.
            w.AddTensor(new TensorSpec { Name = "layers.0.q_proj.weight", Shape = [4096, 4096], ValueType = Shira.Format.ValueDType.BF16 },
                indices: [3, 17, 4096 * 5 + 2], values: [0.01f, -0.02f, 0.005f]);
        });

        using var reader = ShiraReader.Open(path);             // memory-mapped; checks layout + manifest
        var t = reader.Tensors[0];
        var idx = new long[t.Nnz];
        reader.ReadIndices(t, idx);                            // decoded and range/order-checked
        ReadOnlySpan<byte> raw = reader.GetValueBytes(t);      // zero-copy bf16 bytes from the map
        var report = ShiraReader.ValidateFile(path);           // never throws for format errors
        // --- end ---

        Assert.Equal([3L, 17, 4096 * 5 + 2], idx);
        Assert.Equal(6, raw.Length);
        Assert.True(report.IsValid);
    }
}
