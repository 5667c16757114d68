using Shira.Fuzz;
using Shira.Format.Codecs;
using Shira.Format.Container;
using Shira.Format.Tests.Container;

namespace Shira.Format.Tests.Conformance;

/// <summary>SPEC §9: every byte of a valid file is covered by a checksum or a rule, so any single bit flip and any
/// truncation is rejected — with a <see cref="ShiraException"/>, never another exception type.</summary>
public class CorruptionTests
{
    /// <summary>A small file with every kind of region: raw, delta and structured index sets, an LZ4 section,
    /// padding between sections, metadata.</summary>
    private static byte[] Small()
    {
        var (rows, cols) = StructuredMask.EveryNth(4, 8, 4);
        long n = StructuredMask.Count(4, 8, rows, cols, true);
        var s = new long[n];
        StructuredMask.Generate(4, 8, rows, cols, true, s);
        return Samples.Write(new AdapterMetadata { Name = "flip", Parameters = new Dictionary<string, string> { ["r"] = "1" } }, w =>
        {
            w.AddTensor(new TensorSpec { Name = "a", Shape = [4, 8], IndexEncoding = IndexEncoding.RawU32 }, [1, 2, 30], [0.5f, -1f, 2f]);
            w.AddTensor(new TensorSpec { Name = "b", Shape = [64], IndexEncoding = IndexEncoding.DeltaBitPacked, ValueDType = ValueDType.BF16 }, [0, 9, 40, 63], [1f, 2f, 3f, 4f]);
            w.AddTensor(new TensorSpec { Name = "c", Shape = [4, 8], ValueDType = ValueDType.F16,
                Mask = new MaskInfo { Strategy = MaskStrategy.Structured, Rows = rows, Columns = cols, Diagonal = true } }, s, new float[n]);
            w.AddTensor(new TensorSpec { Name = "d", Shape = [64], IndexEncoding = IndexEncoding.RawU64, ValueDType = ValueDType.F16 },
                Enumerable.Range(0, 24).Select(i => (long)i).ToArray(), new float[24]);
        });
    }

    [Fact]
    public void Small_file_is_valid_and_uses_lz4()
    {
        var file = Small();
        Assert.Null(FuzzEntry.Check(file));
        Assert.True(file.Length < 1024, $"{file.Length} bytes: keep the flip test small");
        using var r = ShiraReader.Open(file);
        Assert.Contains(r.Tensors, t => t.IndexSectionCodec == SectionCodec.Lz4Block);
        Assert.Contains(r.Tensors, t => t.IndexEncoding == IndexEncoding.Structured);
    }

    [Fact]
    public void Reader_MUST_detect_every_single_bit_flip()
    {
        var file = Small();
        var undetected = new List<string>();
        for (int bit = 0; bit < file.Length * 8; bit++)
        {
            var copy = (byte[])file.Clone();
            copy[bit >> 3] ^= (byte)(1 << (bit & 7));
            ShiraErrorCode? code;
            try
            {
                code = FuzzEntry.Check(copy);
            }
            catch (Exception e)
            {
                Assert.Fail($"bit {bit} (byte {bit >> 3}): {e.GetType().Name} escaped: {e.Message}");
                return;
            }
            if (code is null) undetected.Add($"byte {bit >> 3} bit {bit & 7}");
        }
        Assert.True(undetected.Count == 0, $"{undetected.Count} of {file.Length * 8} flips undetected: {string.Join(", ", undetected.Take(20))}");
    }

    [Fact]
    public void Reader_MUST_reject_every_truncation()
    {
        var file = Small();
        for (int length = 0; length < file.Length; length++)
        {
            ShiraErrorCode? code = null;
            try
            {
                code = FuzzEntry.Check(file.AsMemory(0, length));
            }
            catch (Exception e)
            {
                Assert.Fail($"length {length}: {e.GetType().Name} escaped: {e.Message}");
            }
            Assert.True(code is ShiraErrorCode.FileTooSmall or ShiraErrorCode.BadTrailer, $"length {length}: {code}");
        }
    }

    [Fact]
    public void Reader_MUST_reject_appended_bytes()
    {
        var file = Small();
        Assert.Equal(ShiraErrorCode.BadTrailer, FuzzEntry.Check(file.Append((byte)0).ToArray()));
    }
}
