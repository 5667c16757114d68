namespace Shira.Format.Tests.Codecs;

/// <summary>One LZ4 sequence: literals, then a match (<see cref="Offset"/> &lt; 0: the last sequence, no match).</summary>
internal readonly record struct Lz4Seq(byte[] Literals, int Offset = -1, int Match = 0);

/// <summary>
/// Writes LZ4 blocks sequence by sequence, including sequences the LZ4 block format forbids (offset 0, matches in the
/// last 12 bytes), and decodes blocks the plain way the block format describes, with none of its end-of-block rules:
/// the independent truth the block check and K4os are compared with.
/// </summary>
internal static class Lz4Sequences
{
    public static byte[] Write(params Lz4Seq[] sequences)
    {
        var o = new List<byte>();
        foreach (var s in sequences)
        {
            int literals = s.Literals.Length, match = s.Offset < 0 ? 0 : s.Match - 4;
            o.Add((byte)((Math.Min(literals, 15) << 4) | Math.Min(match, 15)));
            if (literals >= 15) Extend(o, literals - 15);
            o.AddRange(s.Literals);
            if (s.Offset < 0) continue;
            o.Add((byte)s.Offset);
            o.Add((byte)(s.Offset >> 8));
            if (match >= 15) Extend(o, match - 15);
        }
        return [.. o];
    }

    private static void Extend(List<byte> o, int rest)
    {
        for (; rest >= 255; rest -= 255) o.Add(255);
        o.Add((byte)rest);
    }

    /// <summary>Decodes as the block format describes (literals, then copy <c>match</c> bytes from <c>offset</c> back,
    /// byte by byte so overlaps repeat), or null when the block cannot be decoded at all (truncated, a match before the
    /// output, more than <paramref name="capacity"/> bytes).</summary>
    public static byte[]? Decode(ReadOnlySpan<byte> block, int capacity)
    {
        var output = new List<byte>();
        int ip = 0;
        while (ip < block.Length)
        {
            int token = block[ip++];
            int literals = token >> 4;
            if (literals == 15 && !ReadMore(block, ref ip, ref literals)) return null;
            if (literals > block.Length - ip || output.Count + literals > capacity) return null;
            for (int i = 0; i < literals; i++) output.Add(block[ip++]);
            if (ip == block.Length) return [.. output];
            if (block.Length - ip < 2) return null;
            int offset = block[ip] | block[ip + 1] << 8;
            ip += 2;
            int match = (token & 15) + 4;
            if ((token & 15) == 15 && !ReadMore(block, ref ip, ref match)) return null;
            if (offset == 0 || offset > output.Count || output.Count + match > capacity) return null;
            for (int i = 0; i < match; i++) output.Add(output[^offset]);
        }
        return null;
    }

    private static bool ReadMore(ReadOnlySpan<byte> block, ref int ip, ref int length)
    {
        while (true)
        {
            if (ip >= block.Length) return false;
            byte b = block[ip++];
            length += b;
            if (b != 255) return true;
        }
    }
}
