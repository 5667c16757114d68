using System.Numerics;
using Shira.Format.Codecs;
using Shira.Format.Manifest;

namespace Shira.Format.Container;

public sealed unsafe partial class ShiraReader
{
    /// <summary>Checks every rule of the specification, including all checksums and indices.</summary>
    public ValidationReport Validate()
    {
        ObjectDisposedException.ThrowIf(_owner is null, this);
        var issues = new List<ValidationIssue>();
        CheckPadding(issues);

        var sections = _model.Sections;
        var ok = new bool[sections.Length];
        var owner = SectionOwners();
        for (int i = 0; i < sections.Length; i++)
        {
            string? tensor = owner[i];
            try
            {
                VerifyChecksum(i, tensor);
                if (sections[i].Codec == SectionCodec.Lz4Block && Volatile.Read(ref _decoded[i]) is null)
                    Interlocked.CompareExchange(ref _decoded[i], DecodeLz4(i, tensor), null);
                ok[i] = true;
            }
            catch (ShiraException e)
            {
                issues.Add(Issue(e));
            }
        }

        foreach (var set in _model.IndexSets)
        {
            if (set.Section < 0 || !ok[set.Section]) continue; // structured sets were fully checked by Open
            string tensor = _model.Tensors[set.FirstTensor].Name;
            var bytes = Decoded(set.Section);
            try
            {
                DecodeAll(set, bytes);
            }
            catch (ShiraException e)
            {
                issues.Add(Issue(Relocate(e, set.Section, tensor)));
            }
        }

        for (int t = 0; t < _model.Tensors.Length; t++)
        {
            int vs = _model.TensorValueSection[t];
            if (!ok[vs]) continue;
            var info = _model.Tensors[t];
            long bad = FirstNonFinite(Decoded(vs), info.ValueDType);
            if (bad >= 0)
            {
                var s = sections[vs];
                long? offset = s.Codec == SectionCodec.None ? s.Offset + bad * info.ValueDType.ByteSize() : s.Offset;
                issues.Add(ValidationIssue.From(ShiraErrors.NonFiniteValue($"value {bad} is NaN or infinite", null, info.Name, offset)));
            }
        }
        return new ValidationReport(_file, issues);
    }

    private static ValidationIssue Issue(ShiraException e) => new(e.Code, e.Message, e.Tensor, e.Offset);

    private ReadOnlySpan<byte> Decoded(int section) =>
        _model.Sections[section].Codec == SectionCodec.None ? Stored(_model.Sections[section]) : _decoded[section];

    // Checks every rule a decode would, without materialising the indices (raw forms in place, delta forms per block).
    private static void DecodeAll(IndexSetEntry set, ReadOnlySpan<byte> bytes) =>
        IndexCodec.Validate(set.Encoding, bytes, set.Numel, (int)set.Count);

    /// <summary>The tensor each section belongs to (the first user of a shared index section), for messages.</summary>
    private string?[] SectionOwners()
    {
        var owner = new string?[_model.Sections.Length];
        for (int t = _model.Tensors.Length - 1; t >= 0; t--)
        {
            owner[_model.TensorValueSection[t]] = _model.Tensors[t].Name;
            int s = _model.IndexSets[_model.TensorIndexSet[t]].Section;
            if (s >= 0) owner[s] = _model.Tensors[t].Name;
        }
        return owner;
    }

    /// <summary>Every byte between the header and the first section, between sections, and before the manifest is zero.</summary>
    private void CheckPadding(List<ValidationIssue> issues)
    {
        long end = ShiraLayout.HeaderSize;
        foreach (var s in _model.Sections)
        {
            CheckZero(end, s.Offset, issues);
            end = s.End;
        }
        CheckZero(end, _model.ManifestOffset, issues);
    }

    private void CheckZero(long from, long to, List<ValidationIssue> issues)
    {
        if (to <= from) return;
        var gap = new ReadOnlySpan<byte>(_base + from, (int)(to - from));
        int i = gap.IndexOfAnyExcept((byte)0);
        if (i >= 0)
            issues.Add(ValidationIssue.From(ShiraErrors.NonZeroPadding($"padding byte at {from + i} is not zero", null, null, from + i)));
    }

    /// <summary>Index of the first NaN or infinity, or -1.</summary>
    internal static long FirstNonFinite(ReadOnlySpan<byte> bytes, ValueDType type)
    {
        // A value is non-finite exactly when all exponent bits are set.
        if (type == ValueDType.F32)
        {
            var words = MemoryMarshal.Cast<byte, uint>(bytes[..(bytes.Length & ~3)]);
            return FirstAllSet(words, 0x7F80_0000u);
        }
        var halves = MemoryMarshal.Cast<byte, ushort>(bytes[..(bytes.Length & ~1)]);
        return FirstAllSet(halves, type == ValueDType.F16 ? (ushort)0x7C00 : (ushort)0x7F80);
    }

    private static long FirstAllSet<T>(ReadOnlySpan<T> words, T mask) where T : unmanaged, IBinaryInteger<T>
    {
        int i = 0;
        if (Vector.IsHardwareAccelerated && words.Length >= Vector<T>.Count)
        {
            var m = new Vector<T>(mask);
            var vectors = MemoryMarshal.Cast<T, Vector<T>>(words);
            for (; i < vectors.Length; i++)
                if (Vector.EqualsAny(vectors[i] & m, m)) break;
            i *= Vector<T>.Count;
        }
        for (; i < words.Length; i++)
            if ((words[i] & mask) == mask) return i;
        return -1;
    }
}
