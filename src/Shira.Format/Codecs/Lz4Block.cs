using K4os.Compression.LZ4;

namespace Shira.Format.Codecs;

/// <summary>
/// One LZ4 block (spec/SPEC.md §5.1): every sequence is checked against the LZ4 block format, including its
/// end-of-block rules and offset 0, before any decoder sees the bytes. Decoders differ on blocks that break those
/// rules (K4os and liblz4 give different output for a match offset of 0), so a block that passes
/// <see cref="Check"/> is one that every conforming decoder turns into the same bytes.
/// </summary>
internal static class Lz4Block
{
    /// <summary>Shortest match: the 4-bit match-length field counts from 4.</summary>
    public const int MinMatch = 4;
    /// <summary>The last 5 bytes of the decoded block are literals (LZ4's LASTLITERALS).</summary>
    public const int LastLiterals = 5;
    /// <summary>The last match starts at least 12 bytes before the end of the decoded block (LZ4's MFLIMIT).</summary>
    public const int MatchFindLimit = 12;

    /// <summary>
    /// Checks that <paramref name="block"/> is one well-formed LZ4 block decoding to exactly
    /// <paramref name="decodedLength"/> bytes. Throws <see cref="ShiraErrorCode.CodecError"/> with the offset (from the
    /// first byte of the block) of the token, length byte or match offset that breaks a rule. Reads each byte once
    /// and allocates nothing.
    /// </summary>
    public static void Check(ReadOnlySpan<byte> block, long decodedLength)
    {
        long n = decodedLength, length = block.Length;
        long ip = 0, op = 0;
        while (true)
        {
            if (ip >= length)
                Fail($"the block ends after {op} of {n} decoded bytes (a token is missing)", ip);
            long tokenAt = ip;
            int token = block[(int)ip++];

            long literals = token >> 4;
            if (literals == 15) literals += ReadLengthBytes(block, ref ip, "literal");
            if (literals > length - ip)
                Fail($"a literal run of {literals} bytes runs past the end of the block", tokenAt);
            if (literals > n - op)
                Fail($"a literal run of {literals} bytes overflows the declared decoded length {n} (at {op})", tokenAt);
            ip += literals;
            op += literals;

            if (ip == length)
            {
                // The last sequence: literals only, and the block ends right after them.
                if ((token & 15) != 0)
                    Fail("the last sequence declares a match (its token's match-length bits are not zero)", tokenAt);
                if (op != n)
                    Fail($"the block decodes to {op} bytes, the manifest declares {n}", tokenAt);
                return;
            }
            if (op == n)
                Fail($"{length - ip} bytes follow the literals that complete the {n} decoded bytes", ip);
            if (length - ip < 2)
                Fail("the block ends inside a match offset", ip);
            long offsetAt = ip;
            int offset = block[(int)ip] | block[(int)ip + 1] << 8;
            ip += 2;
            if (offset == 0)
                Fail("a match has offset 0 (a corrupted block in the LZ4 block format)", offsetAt);
            if (offset > op)
                Fail($"a match reaches {offset} bytes back from decoded position {op}, before the start of the block", offsetAt);
            if (n - op < MatchFindLimit)
                Fail($"a match starts at decoded position {op}, less than {MatchFindLimit} bytes before the end ({n})", tokenAt);
            long match = (token & 15) + MinMatch;
            if ((token & 15) == 15) match += ReadLengthBytes(block, ref ip, "match");
            if (ip == length)
                Fail("the block ends with a match: its last sequence must be literals only", tokenAt);
            if (match > n - op - LastLiterals)
                Fail($"a match of {match} bytes at decoded position {op} leaves fewer than {LastLiterals} literal bytes before the end ({n})", tokenAt);
            op += match;
        }
    }

    /// <summary>Checks <paramref name="block"/> (<see cref="Check"/>) and decodes it into all of
    /// <paramref name="destination"/>.</summary>
    public static void Decode(ReadOnlySpan<byte> block, Span<byte> destination)
    {
        Check(block, destination.Length);
        int decoded;
        try
        {
            decoded = LZ4Codec.Decode(block, destination);
        }
        catch (Exception e) when (e is IndexOutOfRangeException or ArgumentException or InvalidOperationException)
        {
            decoded = -1;
        }
        // Unreachable for a checked block; kept so a decoder disagreement can never pass silently.
        if (decoded != destination.Length)
            Fail($"the LZ4 decoder produced {decoded} bytes from a checked block of {destination.Length}", 0);
    }

    /// <summary>Adds the 255-continued length bytes after a 15 in a token field.</summary>
    private static long ReadLengthBytes(ReadOnlySpan<byte> block, ref long ip, string what)
    {
        long sum = 0;
        while (true)
        {
            if (ip >= block.Length)
                Fail($"the block ends inside a {what} length", ip);
            byte b = block[(int)ip++];
            sum += b; // at most 255 × 2^31: no overflow
            if (b != 255) return sum;
        }
    }

    private static void Fail(string message, long offset) =>
        throw ShiraErrors.CodecError("LZ4 block: " + message, offset: offset);
}
