using System.Buffers.Binary;
using CsCheck;
using Shira.Format.Codecs;
using Shira.Format.Container;
using Shira.Format.Tests.Container;
using Shira.Testing;

namespace Shira.Format.Tests.Codecs;

/// <summary>
/// Check-then-decode-by-blocks (<see cref="IndexCodec.Check"/>, <see cref="IndexCodec.DecodeBlocks{TSink}"/>,
/// <see cref="ShiraReader.CheckIndices"/>) against the whole-set decoders as the independent truth.
/// </summary>
public class IndexBlocksTests
{
    /// <summary>What a sink was handed, in call order.</summary>
    private sealed class Recording
    {
        public readonly List<int> Positions = [];
        public readonly List<ulong> Indices = [];
    }

    /// <summary>A plain struct sink; its state lives behind a reference, as <see cref="IIndexSink"/> asks.</summary>
    private readonly struct RecordingSink(Recording recording) : IIndexSink
    {
        public void Add(int position, ulong index)
        {
            recording.Positions.Add(position);
            recording.Indices.Add(index);
        }
    }

    /// <summary>A ref struct sink over spans: scatters each index to its position and counts the calls there.</summary>
    private readonly ref struct ScatterSink : IIndexSink
    {
        private readonly Span<long> _indices;
        private readonly Span<int> _hits;

        public ScatterSink(Span<long> indices, Span<int> hits)
        {
            _indices = indices;
            _hits = hits;
        }

        public void Add(int position, ulong index)
        {
            _indices[position] = (long)index;
            _hits[position]++;
        }
    }

    private static Recording DecodeBlocks(in IndexBlockLayout layout, byte[] bytes, int first, int count)
    {
        var recording = new Recording();
        IndexCodec.DecodeBlocks(layout, bytes, first, count, new RecordingSink(recording));
        return recording;
    }

    /// <summary>Asserts the blocks tile [0, Count) in order, each of the layout's block size but the last.</summary>
    private static void AssertTiles(in IndexBlockLayout layout, int count, long numel, IndexEncoding encoding)
    {
        Assert.Equal(encoding, layout.Encoding);
        Assert.Equal(count, layout.Count);
        Assert.Equal(numel, layout.Numel);
        Assert.Equal(1 << layout.Log2BlockSize, layout.BlockSize);
        int next = 0;
        for (int b = 0; b < layout.BlockCount; b++)
        {
            Assert.Equal(next, layout.BlockStart(b));
            int length = layout.BlockLength(b);
            Assert.InRange(length, 1, layout.BlockSize);
            if (b + 1 < layout.BlockCount) Assert.Equal(layout.BlockSize, length);
            next += length;
        }
        Assert.Equal(count, next);
    }

    /// <summary>Asserts blocks [first, first + blocks) were delivered exactly, in order, with the decoded indices.</summary>
    private static void AssertDelivered(in IndexBlockLayout layout, Recording got, ReadOnlySpan<long> decoded, int first, int blocks)
    {
        int from = blocks == 0 ? 0 : layout.BlockStart(first);
        int to = blocks == 0 ? 0 : layout.BlockStart(first + blocks - 1) + layout.BlockLength(first + blocks - 1);
        Assert.Equal(to - from, got.Positions.Count);
        for (int i = 0; i < got.Positions.Count; i++)
        {
            if (got.Positions[i] != from + i) Assert.Fail($"call {i}: position {got.Positions[i]}, expected {from + i}");
            if ((long)got.Indices[i] != decoded[from + i])
                Assert.Fail($"position {from + i}: index {got.Indices[i]}, expected {decoded[from + i]}");
        }
    }

    /// <summary>Set shapes the properties draw from: (numel, indices), deterministic in the seed.</summary>
    private static (long Numel, long[] Indices) MakeSet(int kind, int seed)
    {
        var rng = new Random(seed);
        switch (kind)
        {
            case 0: return (rng.NextInt64(0, 1L << 40), []);
            case 1:
                {
                    long numel = rng.NextInt64(1, 1L << 40);
                    return (numel, [rng.NextInt64(numel)]);
                }
            case 2: // an exact multiple of the delta block size (256)
                return (1L << 24, Samples.RandomIndices(rng, 1L << 24, 256 * rng.Next(1, 5)));
            case 3: // an exact multiple of the raw block size (4096)
                return (1L << 20, Samples.RandomIndices(rng, 1L << 20, 4096 * rng.Next(1, 3)));
            case 4: // numel at or just below 2^32 (the RawU32 limit), touching both ends
                {
                    long numel = (1L << 32) - rng.Next(0, 3);
                    var set = new SortedSet<long>(Samples.RandomIndices(rng, numel, rng.Next(1, 700))) { 0, numel - 1 };
                    return (numel, [.. set]);
                }
            case 5: // numel above 2^32, indices past the u32 range
                {
                    long numel = (1L << 32) + rng.NextInt64(1, 1L << 34);
                    var set = new SortedSet<long>(Samples.RandomIndices(rng, numel, rng.Next(1, 700))) { numel - 1, 1L << 32 };
                    return (numel, [.. set]);
                }
            case 6: // gaps near 2^55: Rice parameters in the fifties, the range-checked path
                {
                    var set = new SortedSet<long>(Samples.RandomIndices(rng, long.MaxValue, rng.Next(1, 600))) { long.MaxValue - 1 };
                    return (long.MaxValue, [.. set]);
                }
            case 7: // runs: gaps of one (k = 0) mixed with long jumps
                return (1L << 30, IndexSets.Runs(1L << 30, seed, maxRun: 300, maxGap: 1L << 20, cap: rng.Next(1, 3000)));
            default: // random density, counts off the block multiples
                return (1L << 16, IndexSets.Random(1L << 16, rng.NextDouble() * 0.2, seed, cap: rng.Next(1, 2000)));
        }
    }

    private const int SetKinds = 9;

    private static bool Allowed(IndexEncoding encoding, long numel) =>
        encoding != IndexEncoding.RawU32 || numel <= IndexCodec.RawU32MaxNumel;

    [Fact]
    public void Check_tiles_the_set_and_any_block_range_decodes_to_the_same_indices_as_Decode()
    {
        Gen.Select(Gen.Int[0, 3], Gen.Int[0, SetKinds - 1], Gen.Int, Gen.Int)
            .Sample((e, kind, seed, rangeSeed) =>
            {
                var encoding = IndexSets.ByteEncodings[e];
                var (numel, indices) = MakeSet(kind, seed);
                if (!Allowed(encoding, numel)) encoding = IndexEncoding.RawU64;
                byte[] bytes = IndexCodec.Encode(encoding, indices, numel);
                var decoded = new long[indices.Length];
                IndexCodec.Decode(encoding, bytes, numel, decoded);
                IndexSets.AssertSame(indices, decoded);

                var layout = IndexCodec.Check(encoding, bytes, numel, indices.Length);
                AssertTiles(layout, indices.Length, numel, encoding);
                for (int b = 0; b < layout.BlockCount; b++)
                    Assert.Equal(decoded[layout.BlockStart(b)], IndexCodec.FirstIndexOfBlock(layout, bytes, b));

                // The whole set, then a random sub-range (possibly empty, possibly touching either end).
                AssertDelivered(layout, DecodeBlocks(layout, bytes, 0, layout.BlockCount), decoded, 0, layout.BlockCount);
                var rng = new Random(rangeSeed);
                int first = rng.Next(0, layout.BlockCount + 1);
                int count = rng.Next(0, layout.BlockCount - first + 1);
                AssertDelivered(layout, DecodeBlocks(layout, bytes, first, count), decoded, first, count);
            }, iter: 300);
    }

    [Fact]
    public void A_ref_struct_sink_receives_every_position_once_whatever_the_block_order()
    {
        Gen.Select(Gen.Int[0, 3], Gen.Int[0, SetKinds - 1], Gen.Int)
            .Sample((e, kind, seed) =>
            {
                var encoding = IndexSets.ByteEncodings[e];
                var (numel, indices) = MakeSet(kind, seed);
                if (!Allowed(encoding, numel)) encoding = IndexEncoding.RawU64;
                byte[] bytes = IndexCodec.Encode(encoding, indices, numel);
                var layout = IndexCodec.Check(encoding, bytes, numel, indices.Length);
                var got = new long[indices.Length];
                var hits = new int[indices.Length];
                // Blocks are independent: decode them one at a time in a shuffled order.
                var order = Enumerable.Range(0, layout.BlockCount).ToArray();
                new Random(seed).Shuffle(order);
                foreach (int b in order) IndexCodec.DecodeBlocks(layout, bytes, b, 1, new ScatterSink(got, hits));
                Assert.All(hits, h => Assert.Equal(1, h));
                IndexSets.AssertSame(indices, got);
            }, iter: 100);
    }

    [Fact]
    public void Huge_gaps_reach_the_range_checked_Rice_path_and_still_agree()
    {
        // The property above draws such sets (kind 6); this pins that they really take the checked path, where
        // Check decodes instead of summing: k + log2(8·|unary| + 1) + 1 > 56 (IndexCodec.RiceFastPath).
        var (numel, indices) = MakeSet(6, seed: 5);
        byte[] bytes = IndexCodec.Encode(IndexEncoding.DeltaBitPacked, indices, numel);
        var layout = IndexCodec.Check(IndexEncoding.DeltaBitPacked, bytes, numel, indices.Length);
        int dataLength = bytes.Length - layout.DataStart;
        bool checkedPath = false;
        for (int b = 0; b < layout.BlockCount; b++)
        {
            int entry = 16 + 16 * b;
            int from = (int)BinaryPrimitives.ReadInt64LittleEndian(bytes.AsSpan(entry + 8));
            int to = b + 1 < layout.BlockCount ? (int)BinaryPrimitives.ReadInt64LittleEndian(bytes.AsSpan(entry + 24)) : dataLength;
            int k = bytes[layout.DataStart + from];
            long m = layout.BlockLength(b) - 1;
            long unary = to - from - 1 - (m * k + 7) / 8;
            if (m > 0 && k + System.Numerics.BitOperations.Log2((ulong)unary * 8 + 1) + 1 > 56) checkedPath = true;
        }
        Assert.True(checkedPath, "no block of the huge-gap set takes the checked Rice path");
        var decoded = new long[indices.Length];
        IndexCodec.Decode(IndexEncoding.DeltaBitPacked, bytes, numel, decoded);
        AssertDelivered(layout, DecodeBlocks(layout, bytes, 0, layout.BlockCount), decoded, 0, layout.BlockCount);
        IndexSets.AssertSame(indices, decoded);
    }

    /// <summary>
    /// A delta encoding with any block size 2^4..2^16 and a random valid Rice k per block (our writer always uses
    /// 2^8 and the optimal k), built bit by bit from the spec's layout: the header's block size, not the writer's,
    /// must drive the layout.
    /// </summary>
    private static byte[] EncodeWithBlockSize(bool bitPacked, long[] x, int log2Block, Random rng)
    {
        int blockSize = 1 << log2Block;
        int blocks = (x.Length + blockSize - 1) / blockSize;
        var output = new List<byte> { bitPacked ? (byte)0x42 : (byte)0x56, 1, (byte)log2Block, 0, 0, 0, 0, 0 };
        output.AddRange(BitConverter.GetBytes((ulong)x.Length));
        var bodies = new List<byte>();
        for (int b = 0; b < blocks; b++)
        {
            var block = x.AsSpan(b * blockSize, Math.Min(blockSize, x.Length - b * blockSize));
            output.AddRange(BitConverter.GetBytes((ulong)block[0]));
            output.AddRange(BitConverter.GetBytes((ulong)bodies.Count));
            var gaps = new ulong[block.Length - 1];
            for (int j = 0; j < gaps.Length; j++) gaps[j] = (ulong)(block[j + 1] - block[j] - 1);
            if (bitPacked)
            {
                // Any k keeps the block valid; one at most 8 below the largest gap's width bounds the unary runs.
                ulong max = gaps.Length == 0 ? 0 : gaps.Max();
                int k = rng.Next(Math.Max(0, 64 - System.Numerics.BitOperations.LeadingZeroCount(max) - 8), 63);
                bodies.AddRange(ReferenceEncoderTests.RiceBlock(gaps, k));
            }
            else
            {
                var control = new byte[(gaps.Length + 3) / 4];
                var data = new List<byte>();
                for (int j = 0; j < gaps.Length; j++)
                {
                    int code = rng.Next(gaps[j] < 0x100 ? 0 : gaps[j] < 0x1_0000 ? 1 : gaps[j] < 0x1_0000_0000 ? 2 : 3, 4);
                    control[j / 4] |= (byte)(code << (2 * (j % 4)));
                    for (int t = 0; t < 1 << code; t++) data.Add((byte)(gaps[j] >> (8 * t)));
                }
                bodies.AddRange(control);
                bodies.AddRange(data);
            }
        }
        output.AddRange(bodies);
        return [.. output];
    }

    [Fact]
    public void Layouts_follow_the_block_size_in_the_header_not_the_writers()
    {
        Gen.Select(Gen.Bool, Gen.Int[4, 16], Gen.Int[0, SetKinds - 1], Gen.Int)
            .Sample((bitPacked, log2Block, kind, seed) =>
            {
                var encoding = bitPacked ? IndexEncoding.DeltaBitPacked : IndexEncoding.DeltaVarint;
                var (numel, indices) = MakeSet(kind, seed);
                var rng = new Random(seed);
                byte[] bytes = EncodeWithBlockSize(bitPacked, indices, log2Block, rng);
                var decoded = new long[indices.Length];
                IndexCodec.Decode(encoding, bytes, numel, decoded);
                IndexSets.AssertSame(indices, decoded);
                var layout = IndexCodec.Check(encoding, bytes, numel, indices.Length);
                Assert.Equal(log2Block, layout.Log2BlockSize);
                AssertTiles(layout, indices.Length, numel, encoding);
                for (int b = 0; b < layout.BlockCount; b++)
                    Assert.Equal(decoded[layout.BlockStart(b)], IndexCodec.FirstIndexOfBlock(layout, bytes, b));
                int first = rng.Next(0, layout.BlockCount + 1);
                int count = rng.Next(0, layout.BlockCount - first + 1);
                AssertDelivered(layout, DecodeBlocks(layout, bytes, first, count), decoded, first, count);
            }, iter: 100);
    }

    /// <summary>A byte to corrupt in a DELTA_BITPACKED encoding, biased to the parts of the blocks: the skip table,
    /// a block's k byte, its low-bit area and its unary area, sometimes the header.</summary>
    private static int BitPackedTarget(byte[] bytes, in IndexBlockLayout layout, Random rng)
    {
        int area = rng.Next(10);
        if (area == 0 || layout.BlockCount == 0) return rng.Next(0, Math.Min(16, bytes.Length));
        if (area <= 2) return rng.Next(16, layout.DataStart);
        int b = rng.Next(layout.BlockCount);
        int dataLength = bytes.Length - layout.DataStart;
        int from = (int)BinaryPrimitives.ReadInt64LittleEndian(bytes.AsSpan(16 + 16 * b + 8));
        int to = b + 1 < layout.BlockCount ? (int)BinaryPrimitives.ReadInt64LittleEndian(bytes.AsSpan(16 + 16 * (b + 1) + 8)) : dataLength;
        int begin = layout.DataStart + from, end = layout.DataStart + to;
        int k = bytes[begin];
        int lowEnd = begin + 1 + (int)(((long)(layout.BlockLength(b) - 1) * k + 7) / 8);
        if (area == 3) return begin;
        if (area <= 6 && lowEnd > begin + 1) return rng.Next(begin + 1, lowEnd);
        return lowEnd < end ? rng.Next(lowEnd, end) : begin;
    }

    private static int DeltaTarget(IndexEncoding encoding, byte[] bytes, in IndexBlockLayout layout, Random rng)
    {
        if (encoding == IndexEncoding.DeltaBitPacked) return BitPackedTarget(bytes, layout, rng);
        int area = rng.Next(10);
        if (area == 0 || layout.DataStart >= bytes.Length) return rng.Next(0, Math.Min(16, bytes.Length));
        if (area <= 2) return rng.Next(16, layout.DataStart);
        return rng.Next(layout.DataStart, bytes.Length);
    }

    [Fact]
    public void Corrupted_block_bytes_make_Check_throw_exactly_when_Decode_does()
    {
        int rejected = 0, accepted = 0;
        // log2Block below 4: our writer; otherwise the reference encoder with that block size and random k.
        Gen.Select(Gen.Int[2, 3], Gen.Int[1, SetKinds - 1], Gen.Int, Gen.Int[0, 16], Gen.Int, Gen.Int[1, 255], Gen.Bool)
            .Sample((e, kind, seed, log2Block, mutationSeed, xor, singleBit) =>
            {
                var encoding = IndexSets.ByteEncodings[e];
                var (numel, indices) = MakeSet(kind, seed);
                byte[] valid = log2Block < 4
                    ? IndexCodec.Encode(encoding, indices, numel)
                    : EncodeWithBlockSize(encoding == IndexEncoding.DeltaBitPacked, indices, log2Block, new Random(seed));
                var validLayout = IndexCodec.Check(encoding, valid, numel, indices.Length);
                var rng = new Random(mutationSeed);
                byte[] bytes = (byte[])valid.Clone();
                int at = DeltaTarget(encoding, valid, validLayout, rng);
                bytes[at] ^= singleBit ? (byte)(1 << (xor & 7)) : (byte)xor;

                var decoded = new long[indices.Length];
                ShiraException? decodeError = null;
                try { IndexCodec.Decode(encoding, bytes, numel, decoded); }
                catch (ShiraException ex) { decodeError = ex; }
                ShiraException? checkError = null;
                IndexBlockLayout layout = default;
                try { layout = IndexCodec.Check(encoding, bytes, numel, indices.Length); }
                catch (ShiraException ex) { checkError = ex; }

                if (decodeError is null)
                {
                    Assert.True(checkError is null, $"byte {at}: Check threw {checkError?.Code} at {checkError?.Offset}, Decode accepted");
                    Interlocked.Increment(ref accepted);
                    IndexSets.AssertValidSet(decoded, numel);
                    AssertTiles(layout, indices.Length, numel, encoding);
                    AssertDelivered(layout, DecodeBlocks(layout, bytes, 0, layout.BlockCount), decoded, 0, layout.BlockCount);
                    for (int b = 0; b < layout.BlockCount; b++)
                        Assert.Equal(decoded[layout.BlockStart(b)], IndexCodec.FirstIndexOfBlock(layout, bytes, b));
                }
                else
                {
                    Assert.True(checkError is not null, $"byte {at}: Decode threw {decodeError.Code} at {decodeError.Offset}, Check accepted");
                    Interlocked.Increment(ref rejected);
                    Assert.Equal(decodeError.Code, checkError.Code);
                    Assert.Equal(decodeError.Offset, checkError.Offset);
                }
            }, iter: 1500);
        Assert.True(rejected > accepted, $"{rejected} rejected, {accepted} accepted");
    }

    [Fact]
    public void Bytes_changed_after_Check_decode_into_their_blocks_or_throw_ShiraException()
    {
        // A map can change between check and decode: DecodeBlocks must stay inside the blocks it was asked for.
        Gen.Select(Gen.Int[0, 3], Gen.Int[1, SetKinds - 1], Gen.Int, Gen.Int, Gen.Int[1, 255])
            .Sample((e, kind, seed, mutationSeed, xor) =>
            {
                var encoding = IndexSets.ByteEncodings[e];
                var (numel, indices) = MakeSet(kind, seed);
                if (!Allowed(encoding, numel)) encoding = IndexEncoding.RawU64;
                byte[] bytes = IndexCodec.Encode(encoding, indices, numel);
                var layout = IndexCodec.Check(encoding, bytes, numel, indices.Length);
                var rng = new Random(mutationSeed);
                int at = encoding is IndexEncoding.RawU32 or IndexEncoding.RawU64
                    ? rng.Next(bytes.Length)
                    : DeltaTarget(encoding, bytes, layout, rng);
                bytes[at] ^= (byte)xor;
                int first = rng.Next(0, layout.BlockCount + 1);
                int count = rng.Next(0, layout.BlockCount - first + 1);
                var recording = new Recording();
                try { IndexCodec.DecodeBlocks(layout, bytes, first, count, new RecordingSink(recording)); }
                catch (ShiraException) { }
                int from = count == 0 ? 0 : layout.BlockStart(first);
                int to = count == 0 ? 0 : layout.BlockStart(first + count - 1) + layout.BlockLength(first + count - 1);
                Assert.All(recording.Positions, p => Assert.InRange(p, from, to - 1));
                Assert.Equal(recording.Positions.Distinct().Count(), recording.Positions.Count);
            }, iter: 1000);
    }

    [Fact]
    public void Out_of_range_block_arguments_are_programming_errors()
    {
        var (numel, indices) = MakeSet(2, seed: 3);
        foreach (var encoding in IndexSets.ByteEncodings)
        {
            byte[] bytes = IndexCodec.Encode(encoding, indices, numel);
            var layout = IndexCodec.Check(encoding, bytes, numel, indices.Length);
            int n = layout.BlockCount;
            Assert.True(n >= 1);
            foreach (var (first, count) in new[] { (-1, 1), (0, -1), (0, n + 1), (n, 1), (n + 1, 0), (1, int.MaxValue), (int.MaxValue, 1), (int.MinValue, 0) })
                Assert.Throws<ArgumentOutOfRangeException>(() => DecodeBlocks(layout, bytes, first, count));
            foreach (int block in new[] { -1, n, int.MaxValue })
                Assert.Throws<ArgumentOutOfRangeException>(() => IndexCodec.FirstIndexOfBlock(layout, bytes, block));
            // The empty range at either end is fine and delivers nothing.
            Assert.Empty(DecodeBlocks(layout, bytes, 0, 0).Positions);
            Assert.Empty(DecodeBlocks(layout, bytes, n, 0).Positions);
        }
        // An empty set has no blocks at all.
        var empty = IndexCodec.Check(IndexEncoding.DeltaVarint, IndexCodec.Encode(IndexEncoding.DeltaVarint, [], 10), 10, 0);
        Assert.Equal(0, empty.BlockCount);
        Assert.Throws<ArgumentOutOfRangeException>(() => IndexCodec.FirstIndexOfBlock(empty, [], 0));
        Assert.Throws<ArgumentOutOfRangeException>(() => DecodeBlocks(empty, [], 0, 1));
    }

    // ---- The container: ShiraReader.CheckIndices and IndexBlocks ----

    private static readonly ShiraReaderOptions NoChecksums = new() { VerifyChecksums = false };

    /// <summary>One tensor per byte encoding, dense runs (which LZ4 shrinks) and sparse random sets (which it does
    /// not), a structured mask, and a set shared by two tensors.</summary>
    private static byte[] Adapter(bool lz4)
    {
        var rng = new Random(lz4 ? 11 : 12);
        var tensors = new List<(TensorSpec Spec, long[] Indices)>();
        foreach (var encoding in new[] { IndexEncoding.Auto, IndexEncoding.RawU32, IndexEncoding.RawU64, IndexEncoding.DeltaBitPacked, IndexEncoding.DeltaVarint })
        {
            tensors.Add((new TensorSpec { Name = $"runs.{encoding}", Shape = [512, 512], IndexEncoding = encoding },
                IndexSets.Runs(512 * 512, (int)encoding, maxRun: 400, maxGap: 30, cap: 5000)));
            tensors.Add((new TensorSpec { Name = $"sparse.{encoding}", Shape = [512, 512], IndexEncoding = encoding },
                Samples.RandomIndices(rng, 512 * 512, 700 + (int)encoding)));
        }
        var (rows, cols) = StructuredMask.EveryNth(256, 256, 3);
        var mask = new MaskInfo { Strategy = MaskStrategy.Structured, Rows = rows, Columns = cols, Diagonal = true };
        var s = new long[StructuredMask.Count(256, 256, rows, cols, true)];
        StructuredMask.Generate(256, 256, rows, cols, true, s);
        tensors.Add((new TensorSpec { Name = "structured", Shape = [256, 256], Mask = mask }, s));
        var shared = Samples.RandomIndices(rng, 64 * 64, 300);
        tensors.Add((new TensorSpec { Name = "shared.a", Shape = [64, 64], IndexEncoding = IndexEncoding.DeltaBitPacked }, shared));
        tensors.Add((new TensorSpec { Name = "shared.b", Shape = [64, 64], IndexEncoding = IndexEncoding.DeltaBitPacked }, shared));
        tensors.Sort((a, b) => string.CompareOrdinal(a.Spec.Name, b.Spec.Name)); // the writer wants ascending names
        return Samples.Write(Samples.Metadata, w =>
        {
            foreach (var (spec, indices) in tensors) w.AddTensor(spec, indices, Samples.RandomValues(rng, indices.Length));
        }, new ShiraWriterOptions { AllowLz4 = lz4 });
    }

    private static long[] ReadAll(ShiraReader reader, ShiraTensorInfo tensor)
    {
        var indices = new long[tensor.Nnz];
        reader.ReadIndices(tensor, indices);
        return indices;
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void CheckIndices_blocks_decode_to_ReadIndices_for_every_stored_form(bool lz4)
    {
        using var reader = ShiraReader.Open(Adapter(lz4), "adapter.shira");
        var seen = new HashSet<(IndexEncoding, SectionCodec)>();
        foreach (var tensor in reader.Tensors)
        {
            var expected = ReadAll(reader, tensor);
            var blocks = reader.CheckIndices(tensor);
            Assert.Equal(tensor.Nnz, blocks.Count);
            Assert.Equal(tensor.Numel, blocks.Numel);
            Assert.Equal(tensor.IndexEncoding, blocks.Layout.Encoding);
            AssertTiles(blocks.Layout, expected.Length, tensor.Numel, tensor.IndexEncoding);
            var recording = new Recording();
            blocks.Decode(0, blocks.Layout.BlockCount, new RecordingSink(recording));
            AssertDelivered(blocks.Layout, recording, expected, 0, blocks.Layout.BlockCount);
            for (int b = 0; b < blocks.Layout.BlockCount; b++)
            {
                Assert.Equal(expected[blocks.Layout.BlockStart(b)], blocks.FirstIndexOfBlock(b));
                var one = new Recording();
                blocks.Decode(b, 1, new RecordingSink(one));
                AssertDelivered(blocks.Layout, one, expected, b, 1);
            }
            Assert.Throws<ArgumentOutOfRangeException>(() => blocks.Decode(0, blocks.Layout.BlockCount + 1, new RecordingSink(new Recording())));
            Assert.Throws<ArgumentOutOfRangeException>(() => blocks.FirstIndexOfBlock(blocks.Layout.BlockCount));
            Assert.Throws<ArgumentOutOfRangeException>(() => blocks.Decode(-1, 1, new RecordingSink(new Recording())));
            seen.Add((tensor.IndexEncoding, tensor.IndexSectionCodec));
        }
        Assert.Contains((IndexEncoding.Structured, SectionCodec.None), seen);
        foreach (var encoding in IndexSets.ByteEncodings)
            Assert.Contains(seen, s => s.Item1 == encoding);
        if (lz4)
        {
            // Runs shrink under LZ4 in every form but RawU32 (whose bytes never repeat); zero high bytes do for RawU64.
            foreach (var encoding in new[] { IndexEncoding.RawU64, IndexEncoding.DeltaBitPacked, IndexEncoding.DeltaVarint })
                Assert.Contains((encoding, SectionCodec.Lz4Block), seen);
        }
        else Assert.DoesNotContain(seen, s => s.Item2 == SectionCodec.Lz4Block);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void A_corrupted_index_section_fails_CheckIndices_as_it_fails_ReadIndices(bool lz4)
    {
        byte[] valid = Adapter(lz4);
        List<ShiraTensorInfo> tensors;
        using (var r = ShiraReader.Open(valid, "adapter.shira")) tensors = [.. r.Tensors.Where(t => t.IndexSectionOffset is not null)];
        int rejected = 0;
        Gen.Select(Gen.Int[0, tensors.Count - 1], Gen.Int, Gen.Int[1, 255])
            .Sample((t, where, xor) =>
            {
                var tensor = tensors[t];
                byte[] bytes = (byte[])valid.Clone();
                long at = tensor.IndexSectionOffset!.Value + (long)((uint)where % (ulong)tensor.IndexStoredBytes);
                bytes[at] ^= (byte)xor;
                // Fresh readers: neither call may profit from the other's cached section.
                ShiraException? readError = null;
                long[]? expected = null;
                using (var r = ShiraReader.Open(bytes, "adapter.shira", NoChecksums))
                {
                    try { expected = ReadAll(r, r.Tensors[tensor.Ordinal]); }
                    catch (ShiraException ex) { readError = ex; }
                }
                using var reader = ShiraReader.Open(bytes, "adapter.shira", NoChecksums);
                var mine = reader.Tensors[tensor.Ordinal];
                if (readError is null)
                {
                    var blocks = reader.CheckIndices(mine);
                    var recording = new Recording();
                    blocks.Decode(0, blocks.Layout.BlockCount, new RecordingSink(recording));
                    AssertDelivered(blocks.Layout, recording, expected, 0, blocks.Layout.BlockCount);
                    return;
                }
                Interlocked.Increment(ref rejected);
                var checkError = Assert.Throws<ShiraException>(() => reader.CheckIndices(mine));
                Assert.Equal(readError.Code, checkError.Code);
                Assert.Equal(readError.Offset, checkError.Offset);
                Assert.Equal(readError.FilePath, checkError.FilePath);
                Assert.Equal(readError.Tensor, checkError.Tensor);
                Assert.Equal("adapter.shira", checkError.FilePath);
                Assert.Equal(tensor.Name, checkError.Tensor);
                Assert.NotNull(checkError.Offset);
                Assert.InRange(checkError.Offset.Value, tensor.IndexSectionOffset.Value, tensor.IndexSectionOffset.Value + tensor.IndexStoredBytes);
            }, iter: 400);
        Assert.True(rejected > 0, "no corruption was rejected");
    }

    [Fact]
    public void Blocks_that_outlive_their_reader_refuse_to_read_the_unmapped_file()
    {
        using var dir = new TempDir();
        string path = dir.File("adapter.shira");
        File.WriteAllBytes(path, Adapter(lz4: false));
        var reader = ShiraReader.Open(path);
        var tensor = reader.Tensors.First(t => t.IndexEncoding == IndexEncoding.DeltaBitPacked && t.Nnz > 256);
        var blocks = reader.CheckIndices(tensor);
        var before = new Recording();
        blocks.Decode(0, blocks.Layout.BlockCount, new RecordingSink(before));
        Assert.Equal(tensor.Nnz, before.Positions.Count);
        reader.Dispose();
        Assert.Throws<ObjectDisposedException>(() => blocks.FirstIndexOfBlock(1));
        Assert.Throws<ObjectDisposedException>(() => blocks.Decode(0, 1, new RecordingSink(new Recording())));
    }

    [Fact]
    public void A_block_decode_after_a_failed_checksum_reports_the_checksum()
    {
        // With checksums on (the default), a flipped index byte is caught before any decoding, by both paths.
        byte[] bytes = Adapter(lz4: false);
        ShiraTensorInfo tensor;
        using (var r = ShiraReader.Open(bytes, "adapter.shira")) tensor = r.Tensors.First(t => t.IndexEncoding == IndexEncoding.DeltaBitPacked);
        bytes[tensor.IndexSectionOffset!.Value + 20] ^= 0x10;
        using var reader = ShiraReader.Open(bytes, "adapter.shira");
        var read = Assert.Throws<ShiraException>(() => ReadAll(reader, tensor));
        using var reader2 = ShiraReader.Open(bytes, "adapter.shira");
        var check = Assert.Throws<ShiraException>(() => reader2.CheckIndices(reader2.Tensors[tensor.Ordinal]));
        Assert.Equal(read.Code, check.Code);
        Assert.Equal(read.Offset, check.Offset);
        Assert.Equal(tensor.Name, check.Tensor);
    }
}
