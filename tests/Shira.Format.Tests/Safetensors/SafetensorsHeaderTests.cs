using System.Text;
using Shira.Format.Safetensors;
using static Shira.Format.Tests.Safetensors.StVectors;

namespace Shira.Format.Tests.Safetensors;

/// <summary>One test per rule of the reference reader (safetensors/src/tensor.rs: read_metadata, Metadata::validate),
/// each with a literal vector, plus the rules we add (duplicate names) and the error locations.</summary>
public class SafetensorsHeaderTests
{
    private const string OneF32 = """{"w":{"dtype":"F32","shape":[2,2],"data_offsets":[0,16]}}""";

    [Fact]
    public void Valid_minimal_file_parses()
    {
        var h = Parse(Make(OneF32, 16));
        var t = Assert.Single(h.Tensors);
        Assert.Equal(("w", DType.F32, 0L, 16L), (t.Name, t.DType, t.Begin, t.End));
        Assert.Equal([2L, 2L], t.Shape);
        Assert.Equal(8 + OneF32.Length, h.DataStart);
        Assert.Equal(16, h.DataLength);
        Assert.Empty(h.Metadata);
    }

    [Fact]
    public void Reference_crate_vector_parses()
    {
        // The doc-test vector of safetensors' SafeTensors::deserialize: header length 0x3c, I32 [2,2], 16 zero bytes.
        byte[] bytes = [.. "<\0\0\0\0\0\0\0"u8, .. """{"test":{"dtype":"I32","shape":[2,2],"data_offsets":[0,16]}}"""u8, .. new byte[16]];
        var t = Assert.Single(Parse(bytes).Tensors);
        Assert.Equal(("test", DType.I32, 16L), (t.Name, t.DType, t.ByteLength));
    }

    [Fact]
    public void Empty_header_and_no_data_is_valid() => Assert.Empty(Parse(Make("{}")).Tensors);

    // ---- HeaderTooSmall --------------------------------------------------------------------------

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(7)]
    public void File_shorter_than_8_bytes_is_too_small(int length)
    {
        var ex = Fails(new byte[length], ShiraErrorCode.SafetensorsTooSmall);
        Assert.Equal(0, ex.Offset);
    }

    // ---- HeaderTooLarge / InvalidHeaderLength ------------------------------------------------------

    [Fact]
    public void Header_length_over_the_100MB_cap_is_rejected()
    {
        byte[] bytes = [0x01, 0xE1, 0xF5, 0x05, 0, 0, 0, 0, .. "{}"u8]; // 100,000,001
        var ex = Fails(bytes, ShiraErrorCode.SafetensorsHeaderTooLarge);
        Assert.Equal(0, ex.Offset);
        Assert.Contains("100000001", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Header_length_past_the_end_of_file_is_rejected()
    {
        // safetensors' attacks/safetensors_abuse_attempt_1: a valid file whose length prefix says 1000.
        var bytes = Make(OneF32 + "  ", 16);
        bytes[0] = 0xE8;
        bytes[1] = 0x03;
        Assert.Equal(0, Fails(bytes, ShiraErrorCode.SafetensorsHeaderTooLarge).Offset);
    }

    [Fact]
    public void Header_length_u64_max_is_rejected() =>
        Fails([0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, .. "{}"u8], ShiraErrorCode.SafetensorsHeaderTooLarge);

    [Fact]
    public void Header_length_one_past_the_file_is_rejected()
    {
        var bytes = Make("{}");
        bytes[0] = 3;
        Fails(bytes, ShiraErrorCode.SafetensorsHeaderTooLarge);
    }

    [Fact]
    public void Custom_cap_applies()
    {
        var bytes = Make(OneF32, 16);
        Fails(bytes, ShiraErrorCode.SafetensorsHeaderTooLarge, new SafetensorsOptions { MaxHeaderBytes = 16 });
        Assert.Single(Parse(bytes, new SafetensorsOptions { MaxHeaderBytes = OneF32.Length }).Tensors);
    }

    [Fact]
    public void Git_lfs_pointer_is_rejected_with_a_hint()
    {
        var bytes = Encoding.ASCII.GetBytes(
            "version https://git-lfs.github.com/spec/v1\noid sha256:4d74e83497ebad6aa0e2304f3c503252a3d65049f8efd5a45cbb166e46603411\nsize 3416264\n");
        var ex = Fails(bytes, ShiraErrorCode.SafetensorsHeaderTooLarge);
        Assert.Contains("LFS", ex.Message, StringComparison.Ordinal);
    }

    // ---- InvalidHeader (UTF-8) ---------------------------------------------------------------------

    [Fact]
    public void Invalid_utf8_is_rejected_at_its_offset()
    {
        byte[] header = [.. "{\"a"u8, 0xC3, 0x28, .. "\":{}}"u8];
        var ex = Fails(Make(header), ShiraErrorCode.SafetensorsInvalidHeader);
        Assert.Equal(8 + 3, ex.Offset);
        Assert.Contains("UTF-8", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Overlong_utf8_is_rejected() =>
        Fails(Make([.. "{\"a"u8, 0xC0, 0xAF, .. "\":{}}"u8]), ShiraErrorCode.SafetensorsInvalidHeader);

    // ---- InvalidHeaderDeserialization ---------------------------------------------------------------

    [Theory]
    [InlineData("[]")]
    [InlineData("\"x\"")]
    [InlineData("1")]
    [InlineData("null")]
    [InlineData("")]
    [InlineData("    ")]
    [InlineData("{")]
    [InlineData("{\"w\":")]
    [InlineData("{} {}")]
    [InlineData("{}x")]
    [InlineData("{}\0")]
    [InlineData("{,}")]
    [InlineData("{\"w\":{\"dtype\":\"F32\",\"shape\":[],\"data_offsets\":[0,4],}}")]
    [InlineData("{/*c*/}")]
    public void Not_a_single_json_object_is_rejected(string header) =>
        Fails(Make(header, 4), ShiraErrorCode.SafetensorsInvalidHeader);

    [Fact]
    public void Json_error_reports_the_absolute_offset()
    {
        // Line 2, where the stray 'x' sits: 8 (prefix) + 2 ("{\n") bytes.
        var ex = Fails(Make("{\nx}"), ShiraErrorCode.SafetensorsInvalidHeader);
        Assert.Equal(8 + 2, ex.Offset);
    }

    [Fact]
    public void Whitespace_around_the_object_is_accepted_like_the_reference()
    {
        // serde_json (and so the Python library) accepts JSON whitespace before and after the object.
        Assert.Single(Parse(Make(" \n\t" + OneF32 + "\r\n  ", 16)).Tensors);
    }

    [Theory]
    [InlineData("{\"__metadata__\":{\"a\":1}}")]
    [InlineData("{\"__metadata__\":{\"a\":null}}")]
    [InlineData("{\"__metadata__\":{\"a\":{}}}")]
    [InlineData("{\"__metadata__\":[]}")]
    [InlineData("{\"__metadata__\":\"x\"}")]
    [InlineData("{\"__metadata__\":{\"a\":\"1\",\"a\":\"2\"}}")]
    [InlineData("{\"__metadata__\":{},\"__metadata__\":{}}")]
    public void Metadata_must_be_one_string_to_string_map(string header) =>
        Fails(Make(header), ShiraErrorCode.SafetensorsInvalidHeader);

    [Fact]
    public void Metadata_null_means_none_like_the_reference() => Assert.Empty(Parse(Make("{\"__metadata__\":null}")).Metadata);

    [Fact]
    public void Metadata_is_read_with_escapes()
    {
        var h = Parse(Make("{\"__metadata__\":{\"format\":\"pt\",\"k\\u00e9\":\"a\\\"b\\n\"}}"));
        Assert.Equal("pt", h.Metadata["format"]);
        Assert.Equal("a\"b\n", h.Metadata["ké"]);
    }

    [Theory]
    [InlineData("{\"w\":[]}")]
    [InlineData("{\"w\":null}")]
    [InlineData("{\"w\":{\"shape\":[1],\"data_offsets\":[0,4]}}")]
    [InlineData("{\"w\":{\"dtype\":\"F32\",\"data_offsets\":[0,4]}}")]
    [InlineData("{\"w\":{\"dtype\":\"F32\",\"shape\":[1]}}")]
    [InlineData("{\"w\":{\"dtype\":4,\"shape\":[1],\"data_offsets\":[0,4]}}")]
    [InlineData("{\"w\":{\"dtype\":\"F32\",\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]}}")]
    [InlineData("{\"w\":{\"dtype\":\"F32\",\"shape\":[1],\"shape\":[1],\"data_offsets\":[0,4]}}")]
    [InlineData("{\"w\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4],\"data_offsets\":[0,4]}}")]
    [InlineData("{\"w\":{\"dtype\":\"F32\",\"shape\":1,\"data_offsets\":[0,4]}}")]
    [InlineData("{\"w\":{\"dtype\":\"F32\",\"shape\":[-1],\"data_offsets\":[0,4]}}")]
    [InlineData("{\"w\":{\"dtype\":\"F32\",\"shape\":[1.0],\"data_offsets\":[0,4]}}")]
    [InlineData("{\"w\":{\"dtype\":\"F32\",\"shape\":[1e0],\"data_offsets\":[0,4]}}")]
    [InlineData("{\"w\":{\"dtype\":\"F32\",\"shape\":[\"1\"],\"data_offsets\":[0,4]}}")]
    [InlineData("{\"w\":{\"dtype\":\"F32\",\"shape\":[[1]],\"data_offsets\":[0,4]}}")]
    [InlineData("{\"w\\ud800\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]}}")]
    public void Malformed_tensor_entry_is_rejected(string header) =>
        Fails(Make(header, 4), ShiraErrorCode.SafetensorsInvalidHeader);

    [Fact]
    public void Unknown_fields_in_an_entry_are_ignored_like_the_reference()
    {
        var h = Parse(Make("{\"w\":{\"dtype\":\"U8\",\"x\":{\"y\":[1,{}]},\"shape\":[4],\"data_offsets\":[0,4]}}", 4));
        Assert.Equal(4, Assert.Single(h.Tensors).ByteLength);
    }

    [Fact]
    public void Nesting_deeper_than_the_limit_is_rejected() =>
        Fails(Make("{\"w\":{\"x\":" + new string('[', 100) + new string(']', 100) + ",\"dtype\":\"U8\",\"shape\":[0],\"data_offsets\":[0,0]}}"),
            ShiraErrorCode.SafetensorsInvalidHeader);

    // ---- unknown dtype ---------------------------------------------------------------------------

    [Theory]
    [InlineData("F128")]
    [InlineData("f32")]
    [InlineData("float32")]
    [InlineData("15")]
    [InlineData("F32,I8")]
    [InlineData("")]
    public void Unknown_dtype_is_rejected_naming_the_tensor(string dtype)
    {
        var bytes = Make("{\"w\":{\"dtype\":\"" + dtype + "\",\"shape\":[1],\"data_offsets\":[0,4]}}", 4);
        var ex = Fails(bytes, ShiraErrorCode.SafetensorsUnknownDType);
        Assert.Equal("w", ex.Tensor);
        Assert.Equal(IndexOf(bytes, "\"" + dtype + "\""), ex.Offset);
    }

    [Fact]
    public void Every_reference_dtype_name_is_known()
    {
        foreach (var t in Enum.GetValues<DType>())
        {
            int bits = t.BitSize();
            int n = bits % 8 == 0 ? 4 : 8; // 8 sub-byte elements are whole bytes
            int bytes = n * bits / 8;
            var h = Parse(Make($"{{\"t\":{{\"dtype\":\"{t.Name()}\",\"shape\":[{n}],\"data_offsets\":[0,{bytes}]}}}}", bytes));
            Assert.Equal(t, Assert.Single(h.Tensors).DType);
        }
    }

    // ---- duplicate names (stricter than the reference, whose HashMap keeps the last) -------------

    [Fact]
    public void Duplicate_tensor_name_is_rejected_at_the_second_key()
    {
        var bytes = Make("{\"a\":{\"dtype\":\"U8\",\"shape\":[1],\"data_offsets\":[0,1]},\"a\":{\"dtype\":\"U8\",\"shape\":[1],\"data_offsets\":[1,2]}}", 2);
        var ex = Fails(bytes, ShiraErrorCode.SafetensorsDuplicateTensor);
        Assert.Equal("a", ex.Tensor);
        Assert.Equal(bytes.AsSpan().LastIndexOf("\"a\""u8), ex.Offset);
    }

    [Fact]
    public void Names_equal_after_unescaping_are_duplicates() =>
        Fails(Make("{\"a\":{\"dtype\":\"U8\",\"shape\":[0],\"data_offsets\":[0,0]},\"\\u0061\":{\"dtype\":\"U8\",\"shape\":[0],\"data_offsets\":[0,0]}}"),
            ShiraErrorCode.SafetensorsDuplicateTensor);

    // ---- InvalidOffset ---------------------------------------------------------------------------

    [Fact]
    public void First_tensor_not_at_zero_is_an_invalid_offset()
    {
        var bytes = Make("{\"w\":{\"dtype\":\"U8\",\"shape\":[2],\"data_offsets\":[1,3]}}", 3);
        var ex = Fails(bytes, ShiraErrorCode.SafetensorsInvalidOffsets);
        Assert.Equal("w", ex.Tensor);
        Assert.Equal(bytes.Length - 3, ex.Offset); // where the data should have started
    }

    [Fact]
    public void Gap_between_tensors_is_an_invalid_offset()
    {
        var bytes = Make("{\"a\":{\"dtype\":\"U8\",\"shape\":[2],\"data_offsets\":[0,2]},\"b\":{\"dtype\":\"U8\",\"shape\":[2],\"data_offsets\":[3,5]}}", 5);
        var ex = Fails(bytes, ShiraErrorCode.SafetensorsInvalidOffsets);
        Assert.Equal("b", ex.Tensor);
        Assert.Equal(bytes.Length - 5 + 2, ex.Offset);
    }

    [Fact]
    public void Overlapping_tensors_are_an_invalid_offset()
    {
        var bytes = Make("{\"a\":{\"dtype\":\"U8\",\"shape\":[2],\"data_offsets\":[0,2]},\"b\":{\"dtype\":\"U8\",\"shape\":[2],\"data_offsets\":[1,3]}}", 3);
        Assert.Equal("b", Fails(bytes, ShiraErrorCode.SafetensorsInvalidOffsets).Tensor);
    }

    [Fact]
    public void End_before_begin_is_an_invalid_offset()
    {
        var bytes = Make("{\"a\":{\"dtype\":\"U8\",\"shape\":[2],\"data_offsets\":[0,2]},\"b\":{\"dtype\":\"U8\",\"shape\":[1],\"data_offsets\":[2,1]}}", 2);
        var ex = Fails(bytes, ShiraErrorCode.SafetensorsInvalidOffsets);
        Assert.Equal("b", ex.Tensor);
        Assert.Contains("end before", ex.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("[0]")]
    [InlineData("[0,4,8]")]
    [InlineData("[]")]
    [InlineData("[-1,3]")]
    [InlineData("[0,4.0]")]
    [InlineData("[0,\"4\"]")]
    [InlineData("[0,null]")]
    [InlineData("[0,100000000000000000000000000000]")]
    [InlineData("{\"0\":0}")]
    public void Offsets_must_be_a_pair_of_non_negative_integers(string offsets) =>
        Fails(Make("{\"w\":{\"dtype\":\"U8\",\"shape\":[4],\"data_offsets\":" + offsets + "}}", 4),
            offsets == "{\"0\":0}" ? ShiraErrorCode.SafetensorsInvalidHeader : ShiraErrorCode.SafetensorsInvalidOffsets);

    [Theory]
    [InlineData("18446744073709551615")]
    [InlineData("9223372036854775807")]
    [InlineData("9223372036854775808")]
    [InlineData("4294967296")]
    public void Huge_offsets_are_rejected(string begin)
    {
        var ex = Fails(Make("{\"a\":{\"dtype\":\"U8\",\"shape\":[4],\"data_offsets\":[0,4]},\"w\":{\"dtype\":\"U8\",\"shape\":[0],\"data_offsets\":[" + begin + "," + begin + "]}}", 4),
            ShiraErrorCode.SafetensorsInvalidOffsets);
        Assert.Equal("w", ex.Tensor);
    }

    [Fact]
    public void Tensor_running_past_the_file_is_rejected()
    {
        var ex = Fails(Make("{\"w\":{\"dtype\":\"U8\",\"shape\":[4294967296],\"data_offsets\":[0,4294967296]}}", 4),
            ShiraErrorCode.SafetensorsInvalidOffsets);
        Assert.Equal("w", ex.Tensor);
    }

    // ---- MetadataIncompleteBuffer --------------------------------------------------------------------

    [Fact]
    public void Trailing_bytes_after_the_last_tensor_are_rejected()
    {
        var bytes = Make(OneF32, 17);
        var ex = Fails(bytes, ShiraErrorCode.SafetensorsInvalidOffsets);
        Assert.Equal(bytes.Length - 1, ex.Offset);
    }

    [Fact]
    public void Data_shorter_than_the_last_tensor_is_rejected()
    {
        var ex = Fails(Make(OneF32, 15), ShiraErrorCode.SafetensorsInvalidOffsets);
        Assert.Equal("w", ex.Tensor);
    }

    [Fact]
    public void Data_without_tensors_is_rejected() => Fails(Make("{}", 8), ShiraErrorCode.SafetensorsInvalidOffsets);

    // ---- TensorInvalidInfo / ValidationOverflow / MisalignedSlice ------------------------------------

    [Fact]
    public void Byte_length_must_equal_numel_times_dtype_size()
    {
        var bytes = Make("{\"a\":{\"dtype\":\"U8\",\"shape\":[2],\"data_offsets\":[0,2]},\"w\":{\"dtype\":\"F32\",\"shape\":[2,2],\"data_offsets\":[2,14]}}", 14);
        var ex = Fails(bytes, ShiraErrorCode.SafetensorsLengthMismatch);
        Assert.Equal("w", ex.Tensor);
        Assert.Equal(bytes.Length - 14 + 2, ex.Offset); // the tensor's data
    }

    [Theory]
    [InlineData("[4294967296,4294967296]")]
    [InlineData("[4294967296,4294967296,0]")] // the reference folds left to right: overflow before the 0
    [InlineData("[9223372036854775807,3]")]
    [InlineData("[4611686018427387904]")] // numel fits u64, numel × 32 bits does not
    public void Shape_products_that_overflow_u64_are_rejected(string shape) =>
        Fails(Make("{\"w\":{\"dtype\":\"F32\",\"shape\":" + shape + ",\"data_offsets\":[0,0]}}"), ShiraErrorCode.SafetensorsLengthMismatch);

    [Fact]
    public void Shape_product_that_fits_u64_before_a_zero_is_accepted_like_the_reference()
    {
        // 2^62 × 2 = 2^63 fits in u64 (the reference's usize), then × 0 = 0 elements.
        var h = Parse(Make("{\"w\":{\"dtype\":\"F32\",\"shape\":[4611686018427387904,2,0],\"data_offsets\":[0,0]}}"));
        Assert.Equal(0, Assert.Single(h.Tensors).ByteLength);
    }

    [Fact]
    public void Dimension_beyond_i64_is_rejected() =>
        Fails(Make("{\"w\":{\"dtype\":\"F32\",\"shape\":[9223372036854775808,0],\"data_offsets\":[0,0]}}"), ShiraErrorCode.SafetensorsLengthMismatch);

    [Theory]
    [InlineData("F4", 4, 2)]
    [InlineData("F4", 2, 1)]
    [InlineData("F6_E2M3", 4, 3)]
    [InlineData("F6_E3M2", 8, 6)]
    public void Sub_byte_tensors_of_whole_bytes_are_accepted(string dtype, int numel, int bytes)
    {
        var t = Assert.Single(Parse(Make($"{{\"w\":{{\"dtype\":\"{dtype}\",\"shape\":[{numel}],\"data_offsets\":[0,{bytes}]}}}}", bytes)).Tensors);
        Assert.Equal(bytes, t.ByteLength);
    }

    [Theory]
    [InlineData("F4", 3, 2)]
    [InlineData("F4", 1, 1)]
    [InlineData("F6_E2M3", 1, 1)]
    [InlineData("F6_E3M2", 2, 2)]
    public void Sub_byte_tensors_that_end_mid_byte_are_rejected(string dtype, int numel, int bytes) =>
        Fails(Make($"{{\"w\":{{\"dtype\":\"{dtype}\",\"shape\":[{numel}],\"data_offsets\":[0,{bytes}]}}}}", bytes), ShiraErrorCode.SafetensorsLengthMismatch);

    // ---- ordering --------------------------------------------------------------------------------

    [Fact]
    public void Tensors_come_in_data_order_whatever_the_json_order()
    {
        var h = Parse(Make(
            "{\"c\":{\"dtype\":\"U8\",\"shape\":[1],\"data_offsets\":[3,4]},\"a\":{\"dtype\":\"I16\",\"shape\":[],\"data_offsets\":[1,3]}," +
            "\"z\":{\"dtype\":\"U8\",\"shape\":[0],\"data_offsets\":[0,0]},\"b\":{\"dtype\":\"BOOL\",\"shape\":[1,1],\"data_offsets\":[0,1]}}", 4));
        Assert.Equal(["z", "b", "a", "c"], h.Tensors.Select(t => t.Name));
        Assert.True(h.TryGetTensor("a", out var a));
        Assert.Empty(a.Shape);
        Assert.Equal(1, a.Numel);
        Assert.False(h.TryGetTensor("missing", out _));
    }

    [Fact]
    public void Zero_size_tensors_anywhere_are_accepted()
    {
        var h = Parse(Make(
            "{\"a\":{\"dtype\":\"F64\",\"shape\":[0,3],\"data_offsets\":[0,0]},\"b\":{\"dtype\":\"U8\",\"shape\":[2],\"data_offsets\":[0,2]}," +
            "\"c\":{\"dtype\":\"F32\",\"shape\":[5,0,1],\"data_offsets\":[2,2]}}", 2));
        Assert.Equal(["a", "b", "c"], h.Tensors.Select(t => t.Name));
    }

    // ---- ReadHeaderLength ------------------------------------------------------------------------

    [Fact]
    public void ReadHeaderLength_reads_the_little_endian_prefix()
    {
        var bytes = Make(OneF32, 16);
        Assert.Equal(OneF32.Length, SafetensorsHeader.ReadHeaderLength(bytes.AsSpan(0, 8), bytes.Length, VectorFile));
        var ex = Assert.Throws<ShiraException>(() => SafetensorsHeader.ReadHeaderLength(bytes.AsSpan(0, 8), OneF32.Length + 7, VectorFile));
        Assert.Equal(ShiraErrorCode.SafetensorsHeaderTooLarge, ex.Code);
    }
}
