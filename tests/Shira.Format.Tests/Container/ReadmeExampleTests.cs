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
            w.AddTensor(new TensorSpec { Name = "layers.0.q_proj.weight", Shape = [4096, 4096], ValueDType = Shira.Format.ValueDType.BF16 },
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

    /// <summary>The README's block-decode snippet.</summary>
    [Fact]
    public void Readme_block_decode_example_counts_every_index()
    {
        using var dir = new TempDir();
        string path = dir.File("blocks.shira");
        var indices = Enumerable.Range(0, 5000).Select(i => (long)i * 31).ToArray();
        ShiraWriter.WriteFile(path, new AdapterMetadata { Name = "b" },
            w => w.AddTensor(new TensorSpec { Name = "w", Shape = [1000, 200] }, indices, new float[indices.Length]));
        using var reader = ShiraReader.Open(path);
        var t = reader.Tensors[0];

        // --- README snippet ---
        IndexBlocks blocks = reader.CheckIndices(t);        // every rule ReadIndices checks, same errors; nothing decoded
        var sink = new CountingSink(new long[1]);
        blocks.Decode(0, blocks.Layout.BlockCount, sink);   // or any [firstBlock, firstBlock + count) range, from any thread
        // --- end ---

        Assert.Equal(indices.Length, sink.Total[0]);
        Assert.True(blocks.Layout.BlockCount > 1);
    }

    private readonly struct CountingSink(long[] total) : Shira.Format.Codecs.IIndexSink
    {
        public long[] Total => total;
        public void Add(int position, ulong index) => total[0]++;   // position: 0-based over the whole set
    }
}
