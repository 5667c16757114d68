using System.Buffers.Binary;
using System.Text;
using Shira.Format.Safetensors;
using Shira.Testing;

namespace Shira.Format.Tests.Safetensors;

public class SafetensorsFileTests
{
    private static string Fixture(string name) => Path.Combine(RepoPaths.Fixtures, "safetensors", name);

    private static ShiraException OpenFails(string path, ShiraErrorCode code)
    {
        var ex = Assert.Throws<ShiraException>(() => SafetensorsFile.Open(path));
        Assert.Equal(code, ex.Code);
        Assert.Equal(path, ex.FilePath);
        return ex;
    }

    [Fact]
    public void Empty_file_is_too_small()
    {
        using var dir = new TempDir();
        File.WriteAllBytes(dir.File("e.safetensors"), []);
        Assert.Equal(0, OpenFails(dir.File("e.safetensors"), ShiraErrorCode.SafetensorsTooSmall).Offset);
    }

    [Fact]
    public void Seven_byte_file_is_too_small()
    {
        using var dir = new TempDir();
        File.WriteAllBytes(dir.File("s.safetensors"), new byte[7]);
        OpenFails(dir.File("s.safetensors"), ShiraErrorCode.SafetensorsTooSmall);
    }

    [Fact]
    public void Missing_file_and_folder_are_io_errors()
    {
        using var dir = new TempDir();
        OpenFails(dir.File("missing.safetensors"), ShiraErrorCode.IoError);
        OpenFails(dir.Path, ShiraErrorCode.NotRegularFile); // a directory is not "Access denied" (issue 9)
    }

    [Fact]
    public void Git_lfs_pointer_is_refused_with_a_hint()
    {
        using var dir = new TempDir();
        string path = dir.File("lfs.safetensors");
        File.WriteAllText(path, "version https://git-lfs.github.com/spec/v1\noid sha256:0443455f6d9ff44dfc135f0fa27c35b4aa838fe438d7e472dcd6008e90cc5236\nsize 67496\n");
        Assert.Contains("git lfs", OpenFails(path, ShiraErrorCode.SafetensorsHeaderTooLarge).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Invalid_file_errors_carry_the_path_and_offset()
    {
        using var dir = new TempDir();
        string path = dir.File("bad.safetensors");
        File.WriteAllBytes(path, StVectors.Make("{\"w\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,4]}}", 4));
        var ex = OpenFails(path, ShiraErrorCode.SafetensorsLengthMismatch);
        Assert.Equal("w", ex.Tensor);
        Assert.Equal(new FileInfo(path).Length - 4, ex.Offset);
        Assert.Contains(path, ex.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public void GetBytes_is_a_view_of_the_right_bytes()
    {
        using var dir = new TempDir();
        string path = dir.File("m.safetensors");
        byte[] a = [1, 2, 3], b = [9, 8, 7, 6];
        SafetensorsWriter.WriteFile(path,
        [
            SafetensorsTensorSource.FromBytes("a", DType.U8, [3], a),
            SafetensorsTensorSource.FromBytes("b", DType.I16, [2], b),
        ]);
        var raw = File.ReadAllBytes(path);
        using var f = SafetensorsFile.Open(path);
        Assert.Equal(raw.Length, f.Length);
        Assert.Equal(a, f.GetBytes("a").ToArray());
        Assert.Equal(b, f.GetBytes(f.Tensors[1]).ToArray());
        Assert.Equal([8, 7], f.GetBytes(f.Tensors[1], 1, 2).ToArray());
        Assert.Equal(raw.AsSpan((int)f.Header.DataStart), [.. f.GetBytes("a"), .. f.GetBytes("b")]);
        Assert.Equal([256f * 8 + 9, 256f * 6 + 7], f.ReadSingles("b"));
    }

    [Fact]
    public void Missing_and_foreign_tensors_are_refused()
    {
        using var f = SafetensorsFile.Open(Fixture("dtype_zoo.safetensors"));
        var ex = Assert.Throws<ShiraException>(() => f.GetBytes("nope"));
        Assert.Equal((ShiraErrorCode.SafetensorsTensorNotFound, "nope"), (ex.Code, ex.Tensor));
        Assert.Equal(ShiraErrorCode.SafetensorsTensorNotFound, Assert.Throws<ShiraException>(() => f.ReadSingles("nope")).Code);
        // An entry that is not this file's (here: shifted past the end) must not read outside the map.
        var foreign = f.Tensors[^1] with { Begin = f.Header.DataLength, End = f.Header.DataLength + 100 };
        Assert.Equal(ShiraErrorCode.SafetensorsTensorNotFound, Assert.Throws<ShiraException>(() => f.GetBytes(foreign)).Code);
        Assert.Throws<ArgumentOutOfRangeException>(() => f.GetBytes(f.GetTensor("i64_3"), 20, 8));
    }

    [Fact]
    public void Disposed_file_refuses_access()
    {
        var f = SafetensorsFile.Open(Fixture("dtype_zoo.safetensors"));
        f.Dispose();
        f.Dispose();
        Assert.Throws<ObjectDisposedException>(() => f.GetBytes("u8_3"));
    }

    // ---- the generated dtype zoo (make_fixtures.py): grouped by dtype, JSON keys sorted by name -------

    [Fact]
    public void Dtype_zoo_is_read_in_data_order_with_exact_values()
    {
        using var f = SafetensorsFile.Open(Fixture("dtype_zoo.safetensors"));
        Assert.Equal(36, f.Tensors.Count);
        Assert.Equal("make_fixtures.py", f.Header.Metadata["generator"]);
        string[] groups = ["I64", "F64", "F32", "I32", "BF16", "F16", "I16", "F8_E4M3", "F8_E5M2", "I8", "U8", "BOOL"];
        // Data order groups by dtype (unlike the JSON, sorted by name).
        Assert.Equal(groups, f.Tensors.Select(t => t.DType.Name()).Distinct());
        for (int i = 1; i < f.Tensors.Count; i++) Assert.Equal(f.Tensors[i - 1].End, f.Tensors[i].Begin);

        foreach (var t in f.Tensors)
        {
            var values = f.ReadSingles(t.Name);
            Assert.Equal(t.Numel, values.Length);
            for (int k = 0; k < values.Length; k++)
            {
                float expected = t.DType switch { DType.BOOL => k % 2, DType.U8 => k % 9, _ => (k % 9) - 4 };
                Assert.Equal(expected, values[k]);
            }
        }
    }

    [Fact]
    public void Peft_adapter_reads_like_its_header_says()
    {
        using var f = SafetensorsFile.Open(Path.Combine(RepoPaths.Peft, "gpt2_tiny", "lora_fan_in_fan_out", "adapter_model.safetensors"));
        Assert.Equal("pt", f.Header.Metadata["format"]);
        Assert.All(f.Tensors, t => Assert.Equal(DType.F32, t.DType));
        Assert.Contains(f.Tensors, t => t.Name.EndsWith("lora_A.weight", StringComparison.Ordinal));
        foreach (var t in f.Tensors)
        {
            var raw = f.GetBytes(t);
            var values = f.ReadSingles(t);
            for (int i = 0; i < values.Length; i++)
                Assert.Equal(BinaryPrimitives.ReadSingleLittleEndian(raw[(i * 4)..]), values[i]);
        }
    }

    [Fact]
    public void Peft_bf16_base_widens_exactly()
    {
        using var f = SafetensorsFile.Open(Path.Combine(RepoPaths.Peft, "gpt2_tiny", "base", "model.bf16.safetensors"));
        foreach (var t in f.Tensors)
        {
            Assert.Equal(DType.BF16, t.DType);
            var raw = f.GetBytes(t);
            var values = f.ReadSingles(t.Name);
            for (int i = 0; i < values.Length; i++)
                Assert.Equal((uint)BinaryPrimitives.ReadUInt16LittleEndian(raw[(i * 2)..]) << 16, BitConverter.SingleToUInt32Bits(values[i]));
        }
    }

    // ---- widening of every dtype, against values fixed by the formats' definitions --------------------

    public static TheoryData<DType, byte[], float[]> Widenings => new()
    {
        { DType.BOOL, [0, 1, 2, 255], [0, 1, 1, 1] },
        { DType.U8, [0, 1, 255], [0, 1, 255] },
        { DType.I8, [0, 1, 255, 128], [0, 1, -1, -128] },
        { DType.I16, [0x00, 0x80, 0xFF, 0x7F], [-32768, 32767] },
        { DType.U16, [0xFF, 0xFF], [65535] },
        { DType.I32, [0xFF, 0xFF, 0xFF, 0xFF, 0x01, 0x00, 0x00, 0x01], [-1, 16777217f] }, // 2^24+1 rounds to even
        { DType.U32, [0xFF, 0xFF, 0xFF, 0xFF], [4294967296f] },
        { DType.I64, [0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x80], [-9223372036854775808f] },
        { DType.U64, [0x2A, 0, 0, 0, 0, 0, 0, 0], [42] },
        { DType.F64, [0, 0, 0, 0, 0, 0, 0xF0, 0x3F, 0x9A, 0x99, 0x99, 0x99, 0x99, 0x99, 0xB9, 0x3F], [1, 0.1f] },
        { DType.F32, [0, 0, 0x80, 0x3F], [1] },
        { DType.F16, [0x00, 0x3C, 0xFF, 0x7B, 0x01, 0x00, 0x00, 0xFC], [1, 65504, 5.9604645E-08f, float.NegativeInfinity] },
        { DType.BF16, [0x80, 0x3F, 0x80, 0x7F, 0x49, 0x40], [1, float.PositiveInfinity, 3.140625f] },
        // E4M3FN (OCP FP8): bias 7, max 448 = 0x7E, min subnormal 2^-9, S.1111.111 = NaN, no infinities.
        { DType.F8_E4M3, [0x38, 0x7E, 0xFE, 0x01, 0x08, 0x80, 0x7F, 0xFF, 0x77], [1, 448, -448, 0.001953125f, 0.015625f, -0f, float.NaN, float.NaN, 240] },
        // E5M2: bias 15, max 57344, 0x7C = inf, 0x7D..0x7F NaN, min subnormal 2^-16.
        { DType.F8_E5M2, [0x3C, 0x7B, 0x7C, 0xFC, 0x7D, 0x01], [1, 57344, float.PositiveInfinity, float.NegativeInfinity, float.NaN, 1.5258789E-05f] },
        // E8M0: 2^(e-127); 0xFF NaN.
        { DType.F8_E8M0, [0x7F, 0x80, 0x00, 0xFE, 0xFF], [1, 2, 5.877472E-39f, 1.7014118E+38f, float.NaN] },
    };

    [Theory]
    [MemberData(nameof(Widenings))]
    public void ReadSingles_widens_every_dtype(DType dtype, byte[] bytes, float[] expected)
    {
        using var dir = new TempDir();
        string path = dir.File("w.safetensors");
        int n = bytes.Length / dtype.ByteSize();
        SafetensorsWriter.WriteFile(path, [SafetensorsTensorSource.FromBytes("t", dtype, [n], bytes)]);
        using var f = SafetensorsFile.Open(path);
        var values = f.ReadSingles("t");
        Assert.Equal(expected.Length, values.Length);
        for (int i = 0; i < n; i++)
        {
            if (float.IsNaN(expected[i])) Assert.True(float.IsNaN(values[i]), $"element {i}");
            else Assert.Equal(BitConverter.SingleToInt32Bits(expected[i]), BitConverter.SingleToInt32Bits(values[i]));
        }
    }

    [Theory]
    [InlineData(DType.F4, 2)]
    [InlineData(DType.F6_E2M3, 4)]
    [InlineData(DType.C64, 1)]
    public void ReadSingles_refuses_types_without_an_f32_reading(DType dtype, int numel)
    {
        using var dir = new TempDir();
        string path = dir.File("u.safetensors");
        SafetensorsWriter.WriteFile(path, [SafetensorsTensorSource.FromBytes("t", dtype, [numel], new byte[numel * dtype.BitSize() / 8])]);
        using var f = SafetensorsFile.Open(path);
        Assert.Equal(numel * dtype.BitSize() / 8, f.GetBytes("t").Length); // raw bytes are still available
        var ex = Assert.Throws<ShiraException>(() => f.ReadSingles("t"));
        Assert.Equal((ShiraErrorCode.SafetensorsUnsupportedDType, "t"), (ex.Code, ex.Tensor));
    }

    [Fact]
    public void ReadSingles_into_a_window()
    {
        using var f = SafetensorsFile.Open(Fixture("dtype_zoo.safetensors"));
        var t = f.GetTensor("f16_3x5");
        var window = new float[4];
        f.ReadSingles(t, 9, window);
        Assert.Equal(f.ReadSingles(t).AsSpan(9, 4).ToArray(), window);
        Assert.Throws<ArgumentOutOfRangeException>(() => f.ReadSingles(t, 12, window));
    }

    [Fact]
    public void Header_text_is_only_read_not_modified()
    {
        // The map is read-only: opening must not change a byte of the file.
        using var dir = new TempDir();
        string path = dir.File("z.safetensors");
        File.Copy(Fixture("dtype_zoo.safetensors"), path);
        using (var f = SafetensorsFile.Open(path)) _ = f.ReadSingles("f32_3");
        Assert.Equal(File.ReadAllBytes(Fixture("dtype_zoo.safetensors")), File.ReadAllBytes(path));
        Assert.StartsWith("{\"__metadata__\"", Encoding.UTF8.GetString(File.ReadAllBytes(path), 8, 20), StringComparison.Ordinal);
    }
}
