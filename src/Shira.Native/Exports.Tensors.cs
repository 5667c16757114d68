using System.Runtime.CompilerServices;
using Shira.Format.Container;

namespace Shira.Native;

/// <summary>Exports that list and read tensor entries.</summary>
internal static unsafe partial class Exports
{
    [UnmanagedCallersOnly(EntryPoint = "shira_tensor_count")]
    public static int TensorCount(nint handle, ulong* count) =>
        Boundary.Run(handle, h => HandleTable.With(h, 0, (a, _) =>
        {
            if (count is null) throw NativeErrors.Null("count");
            *count = (ulong)a.Reader.Tensors.Count;
            return 0;
        }));

    [UnmanagedCallersOnly(EntryPoint = "shira_tensor_info_at")]
    public static int TensorInfoAt(nint handle, ulong index, NativeTensorInfo* info) =>
        Boundary.Run(handle, h => HandleTable.With(h, index, (a, i) =>
        {
            if (info is null) throw NativeErrors.Null("info");
            var t = a.Tensor(i);
            if (t.Shape.Count > NativeAbi.MaxRank)
                throw new NotSupportedException($"rank {t.Shape.Count} is above {NativeAbi.MaxRank}");
            var v = default(NativeTensorInfo);
            v.Name = a.Name((int)i);
            v.Rank = t.Shape.Count;
            for (int d = 0; d < t.Shape.Count; d++) v.Shape[d] = t.Shape[d];
            v.Semantics = (int)t.Semantics;
            v.Numel = (ulong)t.Numel;
            v.Nnz = (ulong)t.Nnz;
            v.ValueDType = (int)t.ValueDType;
            v.BaseDType = NativeAbi.Code(t.BaseDType);
            v.BaseDTypeName = a.BaseDTypeName((int)i);
            v.Scale = t.Scale;
            v.IndexEncoding = (int)t.IndexEncoding;
            v.IndexSet = t.IndexSetId;
            *info = v;
            return 0;
        }));

    [UnmanagedCallersOnly(EntryPoint = "shira_find_tensor")]
    public static int FindTensor(nint handle, byte* name, ulong* index) =>
        Boundary.Run(handle, h => HandleTable.With(h, 0, (a, _) =>
        {
            var n = NativeStrings.Read(name, "name");
            if (index is null) throw NativeErrors.Null("index");
            if (!a.Reader.TryGetTensor(n, out var t))
                throw ShiraErrors.NativeNotFound($"the adapter has no tensor '{n}'");
            *index = (ulong)IndexOf(a.Reader, t);
            return 0;
        }));

    [UnmanagedCallersOnly(EntryPoint = "shira_tensors_json")]
    public static int TensorsJson(nint handle, byte** json) =>
        Boundary.Run(handle, h => HandleTable.With(h, 0, (a, _) =>
        {
            if (json is null) throw NativeErrors.Null("json");
            *json = NativeStrings.Alloc(NativeJson.Tensors(a.Reader));
            return 0;
        }));

    [UnmanagedCallersOnly(EntryPoint = "shira_metadata_json")]
    public static int MetadataJson(nint handle, byte** json) =>
        Boundary.Run(handle, h => HandleTable.With(h, 0, (a, _) =>
        {
            if (json is null) throw NativeErrors.Null("json");
            *json = NativeStrings.Alloc(NativeJson.Metadata(a.Reader));
            return 0;
        }));

    [UnmanagedCallersOnly(EntryPoint = "shira_read_indices_u32")]
    public static int ReadIndicesU32(nint handle, ulong index, uint* dst, ulong capacity) =>
        Boundary.Run(handle, h => HandleTable.With(h, index, (a, i) =>
        {
            var t = a.Tensor(i);
            CheckBuffer(dst, capacity, (ulong)t.Nnz, "the index buffer");
            if (t.Numel > 1L << 32)
                throw new ArgumentException($"tensor '{t.Name}' has {t.Numel} elements, above 2^32: read its indices as u64");
            // Decode into scratch first: a corrupt index section found halfway must leave dst untouched.
            var scratch = GC.AllocateUninitializedArray<uint>(checked((int)t.Nnz));
            a.Reader.ReadIndices(t, scratch);
            scratch.CopyTo(new Span<uint>(dst, scratch.Length));
            return 0;
        }));

    [UnmanagedCallersOnly(EntryPoint = "shira_read_indices_u64")]
    public static int ReadIndicesU64(nint handle, ulong index, ulong* dst, ulong capacity) =>
        Boundary.Run(handle, h => HandleTable.With(h, index, (a, i) =>
        {
            var t = a.Tensor(i);
            CheckBuffer(dst, capacity, (ulong)t.Nnz, "the index buffer");
            var scratch = GC.AllocateUninitializedArray<long>(checked((int)t.Nnz));
            a.Reader.ReadIndices(t, scratch);
            MemoryMarshal.Cast<long, ulong>(scratch).CopyTo(new Span<ulong>(dst, scratch.Length));
            return 0;
        }));

    [UnmanagedCallersOnly(EntryPoint = "shira_read_values_f32")]
    public static int ReadValuesF32(nint handle, ulong index, float* dst, ulong capacity) =>
        Boundary.Run(handle, h => HandleTable.With(h, index, (a, i) =>
        {
            var t = a.Tensor(i);
            CheckBuffer(dst, capacity, (ulong)t.Nnz, "the value buffer");
            ValueBytes(a, t); // verified before anything is copied
            a.Reader.ReadValues(t, new Span<float>(dst, checked((int)t.Nnz)));
            return 0;
        }));

    [UnmanagedCallersOnly(EntryPoint = "shira_read_values_raw")]
    public static int ReadValuesRaw(nint handle, ulong index, void* dst, ulong capacityBytes) =>
        Boundary.Run(handle, h => HandleTable.With(h, index, (a, i) =>
        {
            var t = a.Tensor(i);
            ulong need = checked((ulong)t.Nnz * (ulong)t.ValueDType.ByteSize());
            CheckBuffer(dst, capacityBytes, need, "the value buffer");
            var bytes = ValueBytes(a, t);
            bytes.CopyTo(new Span<byte>(dst, bytes.Length));
            return 0;
        }));

    [UnmanagedCallersOnly(EntryPoint = "shira_values_view")]
    public static int ValuesView(nint handle, ulong index, void** data, ulong* byteLength) =>
        Boundary.Run(handle, h => HandleTable.With(h, index, (a, i) =>
        {
            if (data is null) throw NativeErrors.Null("data");
            if (byteLength is null) throw NativeErrors.Null("byte_length");
            var bytes = ValueBytes(a, a.Tensor(i));
            // The span is the map itself (or the reader's cached LZ4 decode): both live until the reader is disposed.
            *data = Unsafe.AsPointer(ref MemoryMarshal.GetReference(bytes));
            *byteLength = (ulong)bytes.Length;
            return 0;
        }));

    /// <summary>The nnz values of <paramref name="t"/> as stored. GetValueBytes verifies the checksum (and decodes
    /// LZ4) first, so no export hands out or copies unverified bytes.</summary>
    private static ReadOnlySpan<byte> ValueBytes(NativeAdapter a, ShiraTensorInfo t)
    {
        ulong need = checked((ulong)t.Nnz * (ulong)t.ValueDType.ByteSize());
        var bytes = a.Reader.GetValueBytes(t);
        if ((ulong)bytes.Length < need)
            throw ShiraErrors.BadValues("the value section is shorter than nnz values", a.Reader.FilePath, t.Name);
        return bytes[..checked((int)need)];
    }

    private static int IndexOf(ShiraReader reader, ShiraTensorInfo t)
    {
        var list = reader.Tensors;
        for (int i = 0; i < list.Count; i++)
            if (ReferenceEquals(list[i], t)) return i;
        throw new InvalidOperationException("tensor not in its reader");
    }
}
