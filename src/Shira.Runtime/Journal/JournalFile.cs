using System.Buffers.Binary;
using System.IO.Hashing;
using System.Text;
using Shira.Format;
using Shira.Runtime.Kernels;

namespace Shira.Runtime.Journal;

/// <summary>
/// Binary layout of a record file (little-endian): magic <c>SHIRAJR1</c>, u64 sequence, u64 supersedes, f32 scale,
/// u64 adapter hash, strings (u32 length + UTF-8) source and name, u32 shard count × (string name, u64 length,
/// u64 header hash), u32 tensor count × (u32 shard, string name, u8 dtype, u64 file offset, u64 numel, u64 count,
/// u8 index width 4|8, indices, originals), then XXH3-64 of everything before it. Every count is checked against
/// the bytes left before anything is allocated.
/// </summary>
internal static class JournalFile
{
    private static readonly byte[] Magic = "SHIRAJR1"u8.ToArray();
    private const int MaxString = 1 << 16;

    public static void Write(Stream output, JournalRecord r)
    {
        var hash = new XxHash3();
        void Put(ReadOnlySpan<byte> b) { output.Write(b); hash.Append(b); }
        byte[] s = new byte[8];
        void U64(ulong v) { BinaryPrimitives.WriteUInt64LittleEndian(s, v); Put(s.AsSpan(0, 8)); }
        void U32(uint v) { BinaryPrimitives.WriteUInt32LittleEndian(s, v); Put(s.AsSpan(0, 4)); }
        void Str(string v) { var b = Encoding.UTF8.GetBytes(v); U32((uint)b.Length); Put(b); }

        Put(Magic);
        U64((ulong)r.Sequence);
        U64((ulong)r.Supersedes);
        U32(BitConverter.SingleToUInt32Bits(r.Scale));
        U64(r.AdapterHash);
        Str(r.AdapterSource);
        Str(r.AdapterName);
        U32((uint)r.Shards.Count);
        foreach (var sh in r.Shards) { Str(sh.FileName); U64((ulong)sh.Length); U64(sh.HeaderHash); }
        U32((uint)r.Tensors.Count);
        foreach (var t in r.Tensors)
        {
            U32((uint)t.Shard);
            Str(t.Name);
            s[0] = (byte)t.DType; Put(s.AsSpan(0, 1));
            U64((ulong)t.FileOffset);
            U64((ulong)t.Numel);
            U64((ulong)t.Indices.Count);
            bool wide = t.Indices.U32 is null;
            s[0] = (byte)(wide ? 8 : 4); Put(s.AsSpan(0, 1));
            if (wide) Put(System.Runtime.InteropServices.MemoryMarshal.AsBytes(t.Indices.I64Span(0, t.Indices.Count)));
            else Put(System.Runtime.InteropServices.MemoryMarshal.AsBytes(t.Indices.U32Span(0, t.Indices.Count)));
            Put(t.Originals.AsSpan(0, t.Indices.Count * t.DType.ByteSize()));
        }
        BinaryPrimitives.WriteUInt64LittleEndian(s, hash.GetCurrentHashAsUInt64());
        output.Write(s.AsSpan(0, 8));
    }

    /// <summary>Reads and verifies a record. Any structural problem is <see cref="ShiraErrorCode.JournalCorrupt"/>.</summary>
    public static JournalRecord Read(string path)
    {
        try
        {
            using var fs = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16);
            long length = fs.Length;
            if (length < Magic.Length + 8) Corrupt(path, "too short", 0);
            // Checksum first: a record whose bytes do not verify is never interpreted.
            var hash = new XxHash3();
            var buf = new byte[1 << 16];
            long left = length - 8;
            while (left > 0)
            {
                int n = fs.Read(buf, 0, (int)Math.Min(buf.Length, left));
                if (n <= 0) Corrupt(path, "unexpected end", length - left);
                hash.Append(buf.AsSpan(0, n));
                left -= n;
            }
            Span<byte> tail = stackalloc byte[8];
            fs.ReadExactly(tail);
            if (BinaryPrimitives.ReadUInt64LittleEndian(tail) != hash.GetCurrentHashAsUInt64()) Corrupt(path, "checksum mismatch", length - 8);
            fs.Position = 0;
            return Parse(new BufferedStream(fs, 1 << 16), length - 8, path);
        }
        catch (IOException e) { throw ShiraErrors.IoError(path, e.Message, e); }
        catch (UnauthorizedAccessException e) { throw ShiraErrors.IoError(path, e.Message, e); }
    }

    private static JournalRecord Parse(Stream st, long end, string path)
    {
        long pos = 0;
        byte[] s = new byte[8];
        void Need(long n) { if (n < 0 || n > end - pos) Corrupt(path, "a length runs past the end", pos); }
        void Get(Span<byte> d) { Need(d.Length); st.ReadExactly(d); pos += d.Length; }
        ulong U64() { Get(s.AsSpan(0, 8)); return BinaryPrimitives.ReadUInt64LittleEndian(s); }
        uint U32() { Get(s.AsSpan(0, 4)); return BinaryPrimitives.ReadUInt32LittleEndian(s); }
        byte U8() { Get(s.AsSpan(0, 1)); return s[0]; }
        string Str()
        {
            uint n = U32();
            if (n > MaxString) Corrupt(path, "string too long", pos);
            var b = new byte[n]; Get(b);
            return Encoding.UTF8.GetString(b);
        }

        var magic = new byte[Magic.Length];
        Get(magic);
        if (!magic.AsSpan().SequenceEqual(Magic)) Corrupt(path, "bad magic", 0);
        long seq = (long)U64();
        long sup = (long)U64();
        float scale = BitConverter.UInt32BitsToSingle(U32());
        ulong adapterHash = U64();
        string source = Str();
        string name = Str();
        uint shardCount = U32();
        Need(shardCount * 20L);
        var shards = new List<ShardIdentity>((int)shardCount);
        for (uint i = 0; i < shardCount; i++) shards.Add(new ShardIdentity(Str(), (long)U64(), U64()));
        uint tensorCount = U32();
        Need(tensorCount * 30L);
        var tensors = new List<JournalTensor>((int)tensorCount);
        for (uint i = 0; i < tensorCount; i++)
        {
            int shard = (int)U32();
            if (shard < 0 || shard >= shards.Count) Corrupt(path, "shard index out of range", pos);
            string tname = Str();
            byte dt = U8();
            var dtype = (DType)dt;
            if (!Enum.IsDefined(dtype) || !dtype.IsAdaptable()) Corrupt(path, "bad dtype", pos);
            long offset = (long)U64();
            long numel = (long)U64();
            long count = (long)U64();
            byte width = U8();
            if (numel < 0 || count < 0 || count > numel || (width != 4 && width != 8) || (width == 4 && numel > 1L << 32))
                Corrupt(path, "bad tensor entry", pos);
            int esize = dtype.ByteSize();
            Need(checked(count * (width + esize)));
            if (count > Array.MaxLength / 8) Corrupt(path, "too many positions", pos);
            int n = (int)count;
            IndexSet set;
            if (width == 4)
            {
                var idx = new uint[n];
                Get(System.Runtime.InteropServices.MemoryMarshal.AsBytes(idx.AsSpan()));
                set = new IndexSet(idx, n);
            }
            else
            {
                var idx = new long[n];
                Get(System.Runtime.InteropServices.MemoryMarshal.AsBytes(idx.AsSpan()));
                set = new IndexSet(idx, n);
            }
            for (int k = 0; k < n; k++)
                if (set[k] < 0 || set[k] >= numel || (k > 0 && set[k] <= set[k - 1])) Corrupt(path, $"index #{k} of '{tname}' is invalid", pos);
            var orig = new byte[n * esize];
            Get(orig);
            tensors.Add(new JournalTensor(shard, tname, dtype, offset, numel, set, orig));
        }
        if (pos != end) Corrupt(path, "trailing bytes", pos);
        return new JournalRecord(seq, sup, source, name, adapterHash, scale, shards, tensors);
    }

    private static void Corrupt(string path, string why, long offset) =>
        throw ShiraErrors.JournalCorrupt($"the record is unreadable: {why}", path, null, offset);
}
