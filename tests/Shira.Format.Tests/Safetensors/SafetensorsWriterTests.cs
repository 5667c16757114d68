using System.Text;
using CsCheck;
using Shira.Format.Safetensors;
using Shira.Testing;

namespace Shira.Format.Tests.Safetensors;

public class SafetensorsWriterTests
{
    private static byte[] Write(IReadOnlyList<SafetensorsTensorSource> tensors, IReadOnlyDictionary<string, string>? metadata = null)
    {
        using var ms = new MemoryStream();
        SafetensorsWriter.Write(ms, tensors, metadata);
        return ms.ToArray();
    }

    private static byte[] F32Bytes(params float[] values)
    {
        var bytes = new byte[values.Length * 4];
        for (int i = 0; i < values.Length; i++) BitConverter.TryWriteBytes(bytes.AsSpan(i * 4), values[i]);
        return bytes;
    }

    // ---- golden bytes: the reference crate's serialization tests (safetensors/src/tensor.rs) ----------

    [Fact]
    public void Golden_empty_file_is_braces_padded_to_8()
    {
        Assert.Equal([8, 0, 0, 0, 0, 0, 0, 0, 123, 125, 32, 32, 32, 32, 32, 32], Write([]));
    }

    [Fact]
    public void Golden_metadata_only_file()
    {
        byte[] expected =
        [
            40, 0, 0, 0, 0, 0, 0, 0, 123, 34, 95, 95, 109, 101, 116, 97, 100, 97, 116, 97, 95,
            95, 34, 58, 123, 34, 102, 114, 97, 109, 101, 119, 111, 114, 107, 34, 58, 34, 112,
            116, 34, 125, 125, 32, 32, 32, 32, 32,
        ];
        Assert.Equal(expected, Write([], new Dictionary<string, string> { ["framework"] = "pt" }));
    }

    [Fact]
    public void Golden_header_that_needs_no_padding()
    {
        byte[] expected =
        [
            64, 0, 0, 0, 0, 0, 0, 0, 123, 34, 97, 116, 116, 110, 46, 48, 34, 58, 123, 34, 100,
            116, 121, 112, 101, 34, 58, 34, 70, 51, 50, 34, 44, 34, 115, 104, 97, 112, 101, 34,
            58, 91, 49, 44, 50, 44, 51, 93, 44, 34, 100, 97, 116, 97, 95, 111, 102, 102, 115,
            101, 116, 115, 34, 58, 91, 48, 44, 50, 52, 93, 125, 125, 0, 0, 0, 0, 0, 0, 128, 63,
            0, 0, 0, 64, 0, 0, 64, 64, 0, 0, 128, 64, 0, 0, 160, 64,
        ];
        Assert.Equal(expected, Write([SafetensorsTensorSource.FromBytes("attn.0", DType.F32, [1, 2, 3], F32Bytes(0, 1, 2, 3, 4, 5))]));
    }

    [Fact]
    public void Golden_header_padded_with_seven_spaces()
    {
        byte[] expected =
        [
            72, 0, 0, 0, 0, 0, 0, 0, 123, 34, 97, 116, 116, 110, 48, 34, 58, 123, 34, 100, 116,
            121, 112, 101, 34, 58, 34, 70, 51, 50, 34, 44, 34, 115, 104, 97, 112, 101, 34, 58,
            91, 49, 44, 49, 44, 50, 44, 51, 93, 44, 34, 100, 97, 116, 97, 95, 111, 102, 102,
            115, 101, 116, 115, 34, 58, 91, 48, 44, 50, 52, 93, 125, 125, 32, 32, 32, 32, 32,
            32, 32, 0, 0, 0, 0, 0, 0, 128, 63, 0, 0, 0, 64, 0, 0, 64, 64, 0, 0, 128, 64, 0, 0,
            160, 64,
        ];
        Assert.Equal(expected, Write([SafetensorsTensorSource.FromBytes("attn0", DType.F32, [1, 1, 2, 3], F32Bytes(0, 1, 2, 3, 4, 5))]));
    }

    // ---- byte-identical to the official library --------------------------------------------------

    /// <summary>Every safetensors file under fixtures/peft, as paths relative to it.</summary>
    public static TheoryData<string> PeftFiles()
    {
        var data = new TheoryData<string>();
        foreach (var f in Directory.GetFiles(RepoPaths.Peft, "*.safetensors", SearchOption.AllDirectories).Order(StringComparer.Ordinal))
            data.Add(Path.GetRelativePath(RepoPaths.Peft, f));
        return data;
    }

    [Theory]
    [MemberData(nameof(PeftFiles))]
    public void Rewriting_a_file_made_by_the_python_library_reproduces_it_byte_for_byte(string relative)
    {
        // PEFT/torch saved these with the official library (Rust core); same tensors, order and metadata => same bytes.
        string path = Path.Combine(RepoPaths.Peft, relative);
        using var file = SafetensorsFile.Open(path);
        var sources = file.Tensors.Select(t => SafetensorsTensorSource.FromBytes(t.Name, t.DType, t.Shape, file.GetBytes(t).ToArray())).ToList();
        Assert.Equal(File.ReadAllBytes(path), Write(sources, file.Header.Metadata));
    }

    // ---- layout ------------------------------------------------------------------------------------

    [Fact]
    public void Metadata_comes_first_then_tensors_in_the_given_order()
    {
        var bytes = Write(
        [
            SafetensorsTensorSource.FromBytes("z", DType.U8, [1], new byte[] { 7 }),
            SafetensorsTensorSource.FromBytes("a", DType.I16, [], new byte[] { 1, 2 }),
        ], new Dictionary<string, string> { ["k"] = "v", ["b"] = "c" });
        string header = Encoding.UTF8.GetString(bytes, 8, bytes.Length - 8 - 3);
        Assert.StartsWith("""{"__metadata__":{"b":"c","k":"v"},"z":{"dtype":"U8","shape":[1],"data_offsets":[0,1]},"a":{"dtype":"I16","shape":[],"data_offsets":[1,3]}}""", header, StringComparison.Ordinal);
        Assert.Equal([7, 1, 2], bytes[^3..]);
        var h = StVectors.Parse(bytes);
        Assert.Equal(["z", "a"], h.Tensors.Select(t => t.Name));
        Assert.Equal("v", h.Metadata["k"]);
    }

    [Fact]
    public void Names_are_escaped_like_serde_json()
    {
        const string name = "a\"b\\c\nd\u0001é日🙂";
        var bytes = Write([SafetensorsTensorSource.FromBytes(name, DType.U8, [0], Array.Empty<byte>())]);
        string header = Encoding.UTF8.GetString(bytes, 8, bytes.Length - 8);
        Assert.Contains("\"a\\\"b\\\\c\\nd\\u0001é日🙂\"", header, StringComparison.Ordinal);
        Assert.Equal(name, Assert.Single(StVectors.Parse(bytes).Tensors).Name);
    }

    [Fact]
    public void Empty_metadata_is_omitted() =>
        Assert.Equal(Write([]), Write([], new Dictionary<string, string>()));

    [Fact]
    public void FromSingles_rounds_to_the_value_type()
    {
        float[] values = [1f, BitConverter.UInt32BitsToSingle(0x3F81_8000), -2.5f, 65520f];
        var bytes = Write(
        [
            SafetensorsTensorSource.FromSingles("b", ValueDType.BF16, [4], values),
            SafetensorsTensorSource.FromSingles("h", ValueDType.F16, [2, 2], values),
            SafetensorsTensorSource.FromSingles("f", ValueDType.F32, [4], values),
        ]);
        var h = StVectors.Parse(bytes);
        ReadOnlySpan<byte> data = bytes.AsSpan((int)h.DataStart);
        Assert.Equal([0x3F80, 0x3F82, 0xC020, 0x4780], MemoryMarshalU16(data[..8]));
        Assert.Equal([0x3C00, 0x3C0C, 0xC100, 0x7C00], MemoryMarshalU16(data[8..16])); // 65520 ties to inf in f16
        Assert.Equal(values, System.Runtime.InteropServices.MemoryMarshal.Cast<byte, float>(data[16..]).ToArray());
        Assert.Equal([DType.BF16, DType.F16, DType.F32], h.Tensors.Select(t => t.DType));
    }

    private static ushort[] MemoryMarshalU16(ReadOnlySpan<byte> bytes) =>
        System.Runtime.InteropServices.MemoryMarshal.Cast<byte, ushort>(bytes).ToArray();

    // ---- refusals ----------------------------------------------------------------------------------

    private static void RefusesArgument(IReadOnlyList<SafetensorsTensorSource> tensors, IReadOnlyDictionary<string, string>? metadata = null) =>
        Assert.ThrowsAny<ArgumentException>(() => Write(tensors, metadata));

    private static ShiraException Refuses(ShiraErrorCode code, IReadOnlyList<SafetensorsTensorSource> tensors, IReadOnlyDictionary<string, string>? metadata = null)
    {
        var ex = Assert.Throws<ShiraException>(() => Write(tensors, metadata));
        Assert.Equal(code, ex.Code);
        return ex;
    }

    [Fact]
    public void Duplicate_names_are_refused() =>
        Assert.Equal("x", Refuses(ShiraErrorCode.SafetensorsDuplicateTensor,
        [
            SafetensorsTensorSource.FromBytes("x", DType.U8, [1], new byte[1]),
            SafetensorsTensorSource.FromBytes("x", DType.U8, [1], new byte[1]),
        ]).Tensor);

    [Fact]
    public void Reserved_name_is_refused() =>
        RefusesArgument([SafetensorsTensorSource.FromBytes("__metadata__", DType.U8, [1], new byte[1])]);

    [Fact]
    public void Negative_dimension_is_refused() =>
        RefusesArgument([SafetensorsTensorSource.FromBytes("x", DType.U8, [-1], new byte[1])]);

    [Fact]
    public void Lone_surrogate_is_refused() =>
        RefusesArgument([SafetensorsTensorSource.FromBytes("x\ud800", DType.U8, [1], new byte[1])]);

    [Fact]
    public void Sub_byte_tensor_that_ends_mid_byte_is_refused() =>
        Refuses(ShiraErrorCode.SafetensorsLengthMismatch, [SafetensorsTensorSource.FromBytes("x", DType.F4, [3], new byte[2])]);

    [Fact]
    public void Sub_byte_tensor_of_whole_bytes_is_written()
    {
        var t = Assert.Single(StVectors.Parse(Write([SafetensorsTensorSource.FromBytes("x", DType.F6_E2M3, [4], new byte[3])])).Tensors);
        Assert.Equal((DType.F6_E2M3, 3L), (t.DType, t.ByteLength));
    }

    [Fact]
    public void Shape_overflow_is_refused() =>
        Refuses(ShiraErrorCode.SafetensorsLengthMismatch, [SafetensorsTensorSource.FromBytes("x", DType.F64, [1L << 32, 1L << 32], new byte[1])]);

    [Theory]
    [InlineData(3)]
    [InlineData(5)]
    [InlineData(0)]
    public void Callback_writing_the_wrong_byte_count_is_refused(int written) =>
        Assert.Equal("x", Refuses(ShiraErrorCode.SafetensorsLengthMismatch,
            [SafetensorsTensorSource.FromBytes("x", DType.F32, [1], new byte[written])]).Tensor);

    // ---- WriteFile: atomic -------------------------------------------------------------------------

    [Fact]
    public void WriteFile_replaces_the_target_and_leaves_no_temp_file()
    {
        using var dir = new TempDir();
        string path = dir.File("m.safetensors");
        File.WriteAllText(path, "old");
        SafetensorsWriter.WriteFile(path, [SafetensorsTensorSource.FromBytes("x", DType.U8, [2], new byte[] { 1, 2 })]);
        using (var f = SafetensorsFile.Open(path)) Assert.Equal([1, 2], f.GetBytes("x").ToArray());
        Assert.Equal(["m.safetensors"], Directory.GetFiles(dir.Path).Select(Path.GetFileName));
    }

    [Fact]
    public void WriteFile_failure_leaves_the_existing_target_untouched()
    {
        using var dir = new TempDir();
        string path = dir.File("m.safetensors");
        File.WriteAllText(path, "old");
        var ex = Assert.Throws<ShiraException>(() => SafetensorsWriter.WriteFile(path,
        [
            SafetensorsTensorSource.FromBytes("a", DType.U8, [2], new byte[] { 1, 2 }),
            SafetensorsTensorSource.FromBytes("b", DType.U8, [2], new byte[] { 1 }),
        ]));
        Assert.Equal(ShiraErrorCode.SafetensorsLengthMismatch, ex.Code);
        Assert.Equal(path, ex.FilePath);
        Assert.Equal("old", File.ReadAllText(path));
        Assert.Single(Directory.GetFiles(dir.Path));
    }

    [Fact]
    public void WriteFile_callback_exception_deletes_the_temp_file()
    {
        using var dir = new TempDir();
        string path = dir.File("m.safetensors");
        Assert.Throws<InvalidOperationException>(() => SafetensorsWriter.WriteFile(path,
            [new SafetensorsTensorSource("a", DType.U8, [1], _ => throw new InvalidOperationException("boom"))]));
        Assert.Empty(Directory.GetFiles(dir.Path));
    }

    [Fact]
    public void WriteFile_into_a_missing_folder_is_an_io_error()
    {
        using var dir = new TempDir();
        var ex = Assert.Throws<ShiraException>(() => SafetensorsWriter.WriteFile(dir.File("no/such/m.safetensors"), []));
        Assert.Equal(ShiraErrorCode.IoError, ex.Code);
    }

    // ---- property: random tensor sets round trip --------------------------------------------------

    private static readonly DType[] ByteAligned = Enum.GetValues<DType>().Where(t => t.IsByteAligned()).ToArray();

    private static readonly Gen<string> GenName = Gen.String[Gen.Char["abz09._-/\"\\\né日"], 0, 6];

    private static readonly Gen<(string Name, DType DType, long[] Shape, byte[] Data)> GenTensor =
        from dtype in Gen.OneOf(ByteAligned)
        from shape in Gen.Int[0, 4].SelectMany(rank => Gen.Long[0, 4].Array[rank])
        from data in Gen.Byte.Array[(int)(shape.Aggregate(1L, (a, b) => a * b) * dtype.ByteSize())]
        from name in GenName
        select (name, dtype, shape, data);

    private static readonly Gen<(List<(string Name, DType DType, long[] Shape, byte[] Data)> Tensors, Dictionary<string, string> Metadata)> GenFile =
        from tensors in GenTensor.List[0, 8]
        from meta in Gen.Select(GenName, GenName).Array[0, 3]
        select (tensors.Select((t, i) => (i + ":" + t.Name, t.DType, t.Shape, t.Data)).ToList(),
                meta.GroupBy(kv => kv.Item1).ToDictionary(g => g.Key, g => g.First().Item2));

    [Fact]
    public void Random_tensor_sets_round_trip()
    {
        GenFile.Sample(sample =>
        {
            var (tensors, metadata) = sample;
            var bytes = Write(tensors.Select(t => SafetensorsTensorSource.FromBytes(t.Name, t.DType, t.Shape, t.Data)).ToList(), metadata);
            var h = StVectors.Parse(bytes);
            Assert.Equal(0, h.DataStart % 8);
            Assert.Equal(bytes.Length, h.DataStart + tensors.Sum(t => t.Data.Length));
            Assert.Equal(metadata.OrderBy(kv => kv.Key, StringComparer.Ordinal), h.Metadata.OrderBy(kv => kv.Key, StringComparer.Ordinal));
            // Data order is the given order; zero-size tensors share offsets, so compare as a multiset of names by offset.
            Assert.Equal(tensors.Count, h.Tensors.Count);
            long offset = 0;
            foreach (var t in tensors)
            {
                Assert.True(h.TryGetTensor(t.Name, out var info));
                Assert.Equal((t.DType, offset, offset + t.Data.Length), (info.DType, info.Begin, info.End));
                Assert.Equal(t.Shape, info.Shape);
                Assert.Equal(t.Data, bytes.AsSpan((int)(h.DataStart + info.Begin), (int)info.ByteLength).ToArray());
                offset += t.Data.Length;
            }
        }, iter: 300);
    }
}
