using System.Buffers.Binary;
using Shira.Format.Codecs;

namespace Shira.Format.Tests.Codecs;

/// <summary>One test per corruption class, each asserting its error code and offset.</summary>
public class IndexCodecCorruptionTests
{
    private const long Numel = 4096L * 4096;
    private static readonly long[] Mask = IndexSets.Random(Numel, 0.01, seed: 7, cap: 1000); // 4 blocks: 256·3 + 232

    private static ShiraException Reject(IndexEncoding encoding, byte[] bytes, long numel = Numel, int? count = null)
    {
        var ex = Assert.Throws<ShiraException>(() => IndexCodec.Decode(encoding, bytes, numel, new long[count ?? Mask.Length]));
        // The u32 overload reports the same problem.
        var narrow = Assert.Throws<ShiraException>(() => IndexCodec.Decode(encoding, bytes, numel, new uint[count ?? Mask.Length]));
        Assert.Equal(ex.Code, narrow.Code);
        Assert.Equal(ex.Offset, narrow.Offset);
        // And so does Validate, which decodes nothing.
        var validate = Assert.Throws<ShiraException>(() => IndexCodec.Validate(encoding, bytes, numel, count ?? Mask.Length));
        Assert.Equal(ex.Code, validate.Code);
        Assert.Equal(ex.Offset, validate.Offset);
        return ex;
    }

    private static byte[] Valid(IndexEncoding encoding) => IndexCodec.Encode(encoding, Mask, Numel);

    private static int SkipEntry(int block) => 16 + 16 * block;

    private static int BlockStart(byte[] bytes, int block) =>
        16 + 16 * 4 + (int)BinaryPrimitives.ReadInt64LittleEndian(bytes.AsSpan(SkipEntry(block) + 8));

    public static TheoryData<IndexEncoding> All() => [.. IndexSets.ByteEncodings];
    public static TheoryData<IndexEncoding> Delta() => [IndexEncoding.DeltaBitPacked, IndexEncoding.DeltaVarint];
    public static TheoryData<IndexEncoding> Raw() => [IndexEncoding.RawU32, IndexEncoding.RawU64];

    [Theory]
    [MemberData(nameof(Delta))]
    public void Truncated_delta_stream_at_every_length_is_corrupt(IndexEncoding encoding)
    {
        byte[] bytes = Valid(encoding);
        for (int length = 0; length < bytes.Length; length++)
            Assert.Equal(ShiraErrorCode.IndexEncodingCorrupt, Reject(encoding, bytes[..length]).Code);
    }

    [Theory]
    [MemberData(nameof(Raw))]
    public void Raw_length_not_count_times_width_is_bad_decoded_length(IndexEncoding encoding)
    {
        byte[] bytes = Valid(encoding);
        var ex = Reject(encoding, bytes[..^1]);
        Assert.Equal(ShiraErrorCode.BadDecodedLength, ex.Code);
        Assert.Equal(ShiraErrorCode.BadDecodedLength, Reject(encoding, [.. bytes, 0]).Code);
        Assert.Equal(ShiraErrorCode.BadDecodedLength, Reject(encoding, bytes, count: Mask.Length + 1).Code);
    }

    [Theory]
    [InlineData(0, 0x43)]   // tag
    [InlineData(1, 2)]      // version
    [InlineData(2, 3)]      // log2 block below 4
    [InlineData(2, 17)]     // log2 block above 16
    [InlineData(3, 1)]      // reserved
    [InlineData(7, 0x80)]   // reserved
    public void Bad_header_is_corrupt_at_its_byte(int offset, byte value)
    {
        foreach (var encoding in new[] { IndexEncoding.DeltaBitPacked, IndexEncoding.DeltaVarint })
        {
            byte[] bytes = Valid(encoding);
            bytes[offset] = value;
            var ex = Reject(encoding, bytes);
            Assert.Equal(ShiraErrorCode.IndexEncodingCorrupt, ex.Code);
            Assert.Equal(offset, ex.Offset);
        }
    }

    [Fact]
    public void Bitpacked_bytes_declared_as_varint_are_rejected_by_tag()
    {
        var ex = Reject(IndexEncoding.DeltaVarint, Valid(IndexEncoding.DeltaBitPacked));
        Assert.Equal(ShiraErrorCode.IndexEncodingCorrupt, ex.Code);
        Assert.Equal(0, ex.Offset);
    }

    [Theory]
    [MemberData(nameof(Delta))]
    public void Header_count_other_than_nnz_is_bad_decoded_length(IndexEncoding encoding)
    {
        byte[] bytes = Valid(encoding);
        var ex = Reject(encoding, bytes, count: Mask.Length - 1);
        Assert.Equal(ShiraErrorCode.BadDecodedLength, ex.Code);
        Assert.Equal(8, ex.Offset);
        // A hostile count is refused before anything is allocated or read.
        BinaryPrimitives.WriteUInt64LittleEndian(bytes.AsSpan(8), ulong.MaxValue);
        Assert.Equal(ShiraErrorCode.BadDecodedLength, Reject(encoding, bytes).Code);
    }

    [Fact]
    public void Rice_parameter_above_62_is_corrupt()
    {
        byte[] bytes = Valid(IndexEncoding.DeltaBitPacked);
        int block = BlockStart(bytes, 2);
        bytes[block] = 63;
        var ex = Reject(IndexEncoding.DeltaBitPacked, bytes);
        Assert.Equal(ShiraErrorCode.IndexEncodingCorrupt, ex.Code);
        Assert.Equal(block, ex.Offset);
    }

    [Theory]
    [MemberData(nameof(Delta))]
    public void Skip_table_offsets_that_lie_are_corrupt(IndexEncoding encoding)
    {
        byte[] valid = Valid(encoding);
        long Offset(int b) => BinaryPrimitives.ReadInt64LittleEndian(valid.AsSpan(SkipEntry(b) + 8));
        (int Block, long Value)[] lies =
        [
            (0, 1),                              // block 0 must start at 0
            (2, Offset(1) - 1),                  // decreasing
            (3, valid.Length),                   // past the data area
            (2, Offset(2) + 1),                  // block 1 one byte too long, block 2 one too short
            (1, Offset(1) - 1),                  // block 0 one byte too short
        ];
        foreach (var (block, value) in lies)
        {
            byte[] bytes = (byte[])valid.Clone();
            BinaryPrimitives.WriteInt64LittleEndian(bytes.AsSpan(SkipEntry(block) + 8), value);
            Assert.Equal(ShiraErrorCode.IndexEncodingCorrupt, Reject(encoding, bytes).Code);
        }
    }

    [Theory]
    [MemberData(nameof(Delta))]
    public void Skip_table_first_index_that_lies_is_not_increasing_or_out_of_range(IndexEncoding encoding)
    {
        byte[] valid = Valid(encoding);
        byte[] bytes = (byte[])valid.Clone();
        // Block 2 starting at block 1's last index: not increasing (found after decoding block 1).
        BinaryPrimitives.WriteInt64LittleEndian(bytes.AsSpan(SkipEntry(2)), Mask[511]);
        var ex = Reject(encoding, bytes);
        Assert.Equal(ShiraErrorCode.IndexNotIncreasing, ex.Code);
        Assert.Equal(SkipEntry(2), ex.Offset);

        bytes = (byte[])valid.Clone();
        BinaryPrimitives.WriteInt64LittleEndian(bytes.AsSpan(SkipEntry(1)), Mask[0] + 10); // < 256 after block 0
        ex = Reject(encoding, bytes);
        Assert.Equal(ShiraErrorCode.IndexNotIncreasing, ex.Code);
        Assert.Equal(SkipEntry(1), ex.Offset);

        bytes = (byte[])valid.Clone();
        BinaryPrimitives.WriteInt64LittleEndian(bytes.AsSpan(SkipEntry(3)), Numel);
        ex = Reject(encoding, bytes);
        Assert.Equal(ShiraErrorCode.IndexOutOfRange, ex.Code);
        Assert.Equal(SkipEntry(3), ex.Offset);
    }

    [Theory]
    [MemberData(nameof(All))]
    public void Index_at_or_past_numel_is_out_of_range(IndexEncoding encoding)
    {
        // The same bytes read against a tensor that ends just at the last index.
        byte[] bytes = Valid(encoding);
        Assert.Equal(ShiraErrorCode.IndexOutOfRange, Reject(encoding, bytes, numel: Mask[^1]).Code);
        // And a tensor that ends inside a block.
        Assert.Equal(ShiraErrorCode.IndexOutOfRange, Reject(encoding, bytes, numel: Mask[300]).Code);
    }

    [Fact]
    public void Raw_u64_value_above_2_pow_63_is_out_of_range_at_its_offset()
    {
        byte[] bytes = Valid(IndexEncoding.RawU64);
        BinaryPrimitives.WriteUInt64LittleEndian(bytes.AsSpan(8 * 5), ulong.MaxValue - 3);
        var ex = Reject(IndexEncoding.RawU64, bytes);
        Assert.Equal(ShiraErrorCode.IndexOutOfRange, ex.Code);
        Assert.Equal(40, ex.Offset);
    }

    [Theory]
    [MemberData(nameof(Raw))]
    public void Raw_swapped_indices_are_not_increasing_at_the_offset(IndexEncoding encoding)
    {
        long[] swapped = (long[])Mask.Clone();
        (swapped[700], swapped[701]) = (swapped[701], swapped[700]);
        int width = encoding == IndexEncoding.RawU32 ? 4 : 8;
        byte[] bytes = new byte[swapped.Length * width];
        for (int i = 0; i < swapped.Length; i++)
            if (width == 4) BinaryPrimitives.WriteUInt32LittleEndian(bytes.AsSpan(4 * i), (uint)swapped[i]);
            else BinaryPrimitives.WriteInt64LittleEndian(bytes.AsSpan(8 * i), swapped[i]);
        var ex = Reject(encoding, bytes);
        Assert.Equal(ShiraErrorCode.IndexNotIncreasing, ex.Code);
        Assert.Equal(701L * width, ex.Offset);
    }

    [Fact]
    public void Raw_u32_for_a_tensor_above_2_pow_32_is_corrupt()
    {
        byte[] bytes = IndexCodec.Encode(IndexEncoding.RawU32, [1, 2, 3], 10);
        var ex = Assert.Throws<ShiraException>(() => IndexCodec.Decode(IndexEncoding.RawU32, bytes, (1L << 32) + 1, new long[3]));
        Assert.Equal(ShiraErrorCode.IndexEncodingCorrupt, ex.Code);
    }

    [Theory]
    [MemberData(nameof(Delta))]
    public void Trailing_garbage_after_the_last_block_is_corrupt(IndexEncoding encoding)
    {
        byte[] bytes = [.. Valid(encoding), 0];
        var ex = Reject(encoding, bytes);
        Assert.Equal(ShiraErrorCode.IndexEncodingCorrupt, ex.Code);
        Assert.Equal(bytes.Length - 1, ex.Offset);
        // After an empty set too.
        byte[] empty = [.. IndexCodec.Encode(encoding, [], Numel), 0];
        Assert.Equal(ShiraErrorCode.IndexEncodingCorrupt, Reject(encoding, empty, count: 0).Code);
    }

    [Fact]
    public void Nonzero_padding_bits_are_corrupt()
    {
        // 3 codes with k = 0 take 7 bits: the 8th bit of the stream byte is padding.
        byte[] bytes = IndexCodec.Encode(IndexEncoding.DeltaBitPacked, [3, 5, 6, 10], 11);
        bytes[^1] |= 0x80;
        var ex = Assert.Throws<ShiraException>(() => IndexCodec.Decode(IndexEncoding.DeltaBitPacked, bytes, 11, new long[4]));
        Assert.Equal(ShiraErrorCode.IndexEncodingCorrupt, ex.Code);
        Assert.Equal(bytes.Length - 1, ex.Offset);
    }

    [Fact]
    public void Nonzero_unused_varint_length_codes_are_corrupt()
    {
        byte[] bytes = IndexCodec.Encode(IndexEncoding.DeltaVarint, [3, 5, 6, 10], 11);
        bytes[32] |= 0b1100_0000; // the 4th (unused) code of the only control byte
        var ex = Assert.Throws<ShiraException>(() => IndexCodec.Decode(IndexEncoding.DeltaVarint, bytes, 11, new long[4]));
        Assert.Equal(ShiraErrorCode.IndexEncodingCorrupt, ex.Code);
        Assert.Equal(32, ex.Offset);
    }

    [Fact]
    public void Unary_run_past_the_block_end_is_corrupt()
    {
        byte[] bytes = IndexCodec.Encode(IndexEncoding.DeltaBitPacked, [3, 5, 6, 10], 11);
        bytes[^1] = 0; // all zero bits: no terminating one bit
        var ex = Assert.Throws<ShiraException>(() => IndexCodec.Decode(IndexEncoding.DeltaBitPacked, bytes, 11, new long[4]));
        Assert.Equal(ShiraErrorCode.IndexEncodingCorrupt, ex.Code);
    }

    [Fact]
    public void Huge_gap_that_would_wrap_is_out_of_range()
    {
        // Varint 8-byte gap of 2^64 - 1 after index 5 in a tensor of long.MaxValue elements.
        byte[] bytes = IndexCodec.Encode(IndexEncoding.DeltaVarint, [5, (1L << 40) + 6], long.MaxValue);
        BinaryPrimitives.WriteUInt64LittleEndian(bytes.AsSpan(bytes.Length - 8), ulong.MaxValue);
        bytes[32] = 3; // the code says 8 bytes
        var ex = Assert.Throws<ShiraException>(() => IndexCodec.Decode(IndexEncoding.DeltaVarint, bytes, long.MaxValue, new long[2]));
        Assert.Equal(ShiraErrorCode.IndexOutOfRange, ex.Code);
    }

    [Fact]
    public void Encoders_reject_invalid_input_with_its_code()
    {
        foreach (var encoding in IndexSets.ByteEncodings)
        {
            Assert.Equal(ShiraErrorCode.IndexNotIncreasing,
                Assert.Throws<ShiraException>(() => IndexCodec.Encode(encoding, [1, 5, 5], 10)).Code);
            Assert.Equal(ShiraErrorCode.IndexNotIncreasing,
                Assert.Throws<ShiraException>(() => IndexCodec.EncodedLength(encoding, [1, 5, 4], 10)).Code);
            Assert.Equal(ShiraErrorCode.IndexOutOfRange,
                Assert.Throws<ShiraException>(() => IndexCodec.Encode(encoding, [-1, 5], 10)).Code);
            Assert.Equal(ShiraErrorCode.IndexOutOfRange,
                Assert.Throws<ShiraException>(() => IndexCodec.Encode(encoding, [1, 10], 10)).Code);
            Assert.ThrowsAny<ArgumentException>(() => IndexCodec.Encode(encoding, [1], -1));
        }
        Assert.Equal(ShiraErrorCode.IndexNotIncreasing,
            Assert.Throws<ShiraException>(() => IndexCodec.ChooseSmallest([2, 1], 10)).Code);
        Assert.ThrowsAny<ArgumentException>(() => IndexCodec.Encode(IndexEncoding.RawU32, [1], (1L << 32) + 1));
        foreach (var encoding in new[] { IndexEncoding.Structured, IndexEncoding.Auto, (IndexEncoding)99 })
        {
            Assert.ThrowsAny<ArgumentException>(() => IndexCodec.Encode(encoding, [1], 10));
            Assert.ThrowsAny<ArgumentException>(() => IndexCodec.Decode(encoding, [], 10, new long[1]));
        }
        Assert.ThrowsAny<ArgumentException>(() => IndexCodec.Decode(IndexEncoding.RawU64, new byte[8], (1L << 32) + 1, new uint[1]));
    }
}
