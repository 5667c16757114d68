using System.Buffers.Binary;
using System.Text;
using Shira.Format.Safetensors;

namespace Shira.Format.Tests.Safetensors;

/// <summary>Builds safetensors byte vectors from a literal header and data, and parses them.</summary>
internal static class StVectors
{
    public const string VectorFile = "vector.safetensors";

    /// <summary>8-byte little-endian N, the header exactly as given (no padding), then <paramref name="dataBytes"/> bytes 0,1,2…</summary>
    public static byte[] Make(string header, int dataBytes = 0) => Make(Encoding.UTF8.GetBytes(header), dataBytes);

    public static byte[] Make(byte[] header, int dataBytes = 0)
    {
        var bytes = new byte[8 + header.Length + dataBytes];
        BinaryPrimitives.WriteUInt64LittleEndian(bytes, (ulong)header.Length);
        header.CopyTo(bytes, 8);
        for (int i = 0; i < dataBytes; i++) bytes[8 + header.Length + i] = (byte)i;
        return bytes;
    }

    public static SafetensorsHeader Parse(byte[] bytes, SafetensorsOptions? options = null) =>
        SafetensorsHeader.Parse(bytes, bytes.Length, VectorFile, options);

    /// <summary>Asserts that parsing throws a <see cref="ShiraException"/> with the code; returns it.</summary>
    public static ShiraException Fails(byte[] bytes, ShiraErrorCode code, SafetensorsOptions? options = null)
    {
        var ex = Assert.Throws<ShiraException>(() => Parse(bytes, options));
        Assert.Equal(code, ex.Code);
        Assert.Equal(VectorFile, ex.FilePath);
        Assert.NotNull(ex.Offset);
        Assert.InRange(ex.Offset!.Value, 0, Math.Max(bytes.Length, 0));
        return ex;
    }

    /// <summary>Parses, or throws only <see cref="ShiraException"/> (anything else fails the test).</summary>
    public static SafetensorsHeader? TryParse(byte[] bytes)
    {
        try { return Parse(bytes); }
        catch (ShiraException) { return null; }
    }

    public static int IndexOf(byte[] bytes, string ascii) => bytes.AsSpan().IndexOf(Encoding.UTF8.GetBytes(ascii));
}
