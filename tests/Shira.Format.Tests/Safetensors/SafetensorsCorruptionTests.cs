using CsCheck;
using Shira.Format.Safetensors;
using Shira.Testing;

namespace Shira.Format.Tests.Safetensors;

/// <summary>Damaged inputs only ever produce a <see cref="ShiraException"/> (or, when the damage happens to leave a
/// valid file, a header that still satisfies every invariant).</summary>
public class SafetensorsCorruptionTests
{
    private static byte[] SmallValidFile()
    {
        using var ms = new MemoryStream();
        SafetensorsWriter.Write(ms,
        [
            SafetensorsTensorSource.FromBytes("a", DType.F32, [2], new byte[8]),
            SafetensorsTensorSource.FromBytes("b", DType.BF16, [1, 3], new byte[6]),
            SafetensorsTensorSource.FromBytes("c", DType.U8, [0], Array.Empty<byte>()),
            SafetensorsTensorSource.FromBytes("d", DType.I64, [], new byte[8]),
        ], new Dictionary<string, string> { ["format"] = "pt" });
        return ms.ToArray();
    }

    /// <summary>Parses; a success must still be a consistent header.</summary>
    private static void ParseOrShiraException(byte[] bytes)
    {
        var h = StVectors.TryParse(bytes);
        if (h is null) return;
        long at = 0;
        foreach (var t in h.Tensors)
        {
            Assert.Equal(at, t.Begin);
            Assert.Equal(t.Numel * t.DType.BitSize() / 8, t.ByteLength);
            at = t.End;
        }
        Assert.Equal(bytes.Length, h.DataStart + at);
    }

    [Fact]
    public void Every_single_bit_flip_is_handled()
    {
        var valid = SmallValidFile();
        for (int i = 0; i < valid.Length; i++)
        {
            for (int bit = 0; bit < 8; bit++)
            {
                var bytes = (byte[])valid.Clone();
                bytes[i] ^= (byte)(1 << bit);
                ParseOrShiraException(bytes);
            }
        }
    }

    [Fact]
    public void Every_truncation_and_extension_is_rejected()
    {
        var valid = SmallValidFile();
        for (int n = 0; n < valid.Length; n++)
            Assert.Null(StVectors.TryParse(valid[..n]));
        Assert.Null(StVectors.TryParse([.. valid, 0]));
    }

    [Fact]
    public void Random_byte_overwrites_are_handled()
    {
        var valid = SmallValidFile();
        Gen.Select(Gen.Int[0, valid.Length - 1].Array[1, 6], Gen.Byte.Array[6]).Sample((positions, values) =>
        {
            var bytes = (byte[])valid.Clone();
            for (int i = 0; i < positions.Length; i++) bytes[positions[i]] = values[i];
            ParseOrShiraException(bytes);
        }, iter: 2000);
    }

    [Fact]
    public void Damaged_files_on_disk_only_throw_ShiraException()
    {
        var valid = SmallValidFile();
        using var dir = new TempDir();
        string path = dir.File("x.safetensors");
        for (int i = 0; i < valid.Length; i += 3)
        {
            var bytes = (byte[])valid.Clone();
            bytes[i] ^= 0x5A;
            File.WriteAllBytes(path, bytes);
            try
            {
                using var f = SafetensorsFile.Open(path);
                foreach (var t in f.Tensors)
                {
                    Assert.Equal(t.ByteLength, f.GetBytes(t).Length);
                    if (t.DType.IsByteAligned() && t.DType != DType.C64) Assert.Equal(t.Numel, f.ReadSingles(t).Length);
                }
            }
            catch (ShiraException)
            {
            }
        }
    }
}
