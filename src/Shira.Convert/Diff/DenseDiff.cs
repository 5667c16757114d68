using System.Globalization;
using System.IO.Hashing;
using Shira.Convert.Selection;
using Shira.Format;
using Shira.Format.Numerics;
using Shira.Format.Safetensors;


namespace Shira.Convert.Diff;

/// <summary>
/// A base and a fine-tuned checkpoint → .shira. The exact diff stores every entry whose bits differ, as
/// d = f32(tuned) − f32(base), and checks that applying it (round-to-nearest-even of f32(base) + d into the base
/// dtype) gives the tuned bits back at every position; a tensor where some position would not (f32 subtraction is not
/// always invertible) is stored instead as a Replace of the changed entries with the tuned values, which is exact.
/// The top-k diff keeps the largest |d| per tensor. Everything is computed in f32.
/// </summary>
public static class DenseDiff
{
    /// <summary>Diffs two checkpoints (files or sharded folders) into <paramref name="output"/>.</summary>
    public static ConversionReport Create(string basePath, string tunedPath, string output, DiffOptions? options = null)
    {
        options ??= new DiffOptions();
        if (options.Density is { } dd && !(dd > 0 && dd <= 1))
            throw new ArgumentOutOfRangeException(nameof(options), $"density must be in (0, 1], got {dd}");
        using var baseModel = SafetensorsCheckpoint.Open(basePath);
        using var tuned = SafetensorsCheckpoint.Open(tunedPath);
        CheckSameTensors(baseModel, tuned);

        var notes = new List<string>();
        var plans = new List<TargetPlan>();
        var fingerprints = new List<BaseTensorFingerprint>();
        var changed = new List<(string, SafetensorsFile, SafetensorsFile, DType)>();
        GlobalThreshold? global = null;
        foreach (var name in baseModel.TensorNames)
        {
            baseModel.TryGetTensor(name, out var bf, out var bi);
            tuned.TryGetTensor(name, out var tf, out var ti);
            var bBytes = bf.GetBytes(bi);
            if (bBytes.SequenceEqual(tf.GetBytes(ti))) continue;
            if (!bi.DType.IsAdaptable())
                throw ShiraErrors.DiffMismatch($"tensor '{name}' ({bi.DType}) differs, but only F32/F16/BF16 tensors can be diffed", tunedPath, name);
            if (bi.Shape.Count > 4)
                throw ShiraErrors.DiffMismatch($"tensor '{name}' has rank {bi.Shape.Count}; at most 4 is supported", tunedPath, name);
            IReadOnlyList<long> shape = bi.Shape.Count == 0 ? [1L] : bi.Shape;
            fingerprints.Add(new BaseTensorFingerprint(name, shape, bi.DType, XxHash3.HashToUInt64(bBytes)));
            var (bFile, tFile, dtype) = (bf, tf, bi.DType);
            changed.Add((name, bFile, tFile, dtype));
            plans.Add(new TargetPlan(name, w => WriteTensor(w, name, shape, dtype, bFile, tFile, options, notes, tunedPath, global)));
        }
        if (options.Global && options.Density is { } gd) global = GlobalThreshold.Find(changed, gd, tunedPath);
        if (plans.Count == 0)
            notes.Add("the checkpoints are identical: the adapter has no tensors");

        var metadata = new AdapterMetadata
        {
            Name = Path.GetFileNameWithoutExtension(Path.TrimEndingDirectorySeparator(tunedPath)),
            BaseModel = Path.GetFileName(Path.TrimEndingDirectorySeparator(basePath)),
            BaseFingerprint = fingerprints,
            Provenance = new Provenance
            {
                Tool = "shira", ToolVersion = Plans.ToolVersion, SourceFormat = "dense-diff",
                Source = Path.GetFileName(Path.TrimEndingDirectorySeparator(tunedPath)),
            },
            Parameters = new SortedDictionary<string, string>(StringComparer.Ordinal)
            {
                ["selection"] = options.Density is { } d
                    ? (options.Global ? "global-density=" : "density=") + d.ToString("R", CultureInfo.InvariantCulture) : "exact",
                ["values"] = options.ValueDType.ToString().ToLowerInvariant(),
            },
        };
        var reports = Plans.Run(output, metadata, plans, options.Writer, options.Progress);
        return new ConversionReport(tunedPath, output, "dense-diff", reports, notes, Plans.SizeOf(output));
    }

    private static void CheckSameTensors(SafetensorsCheckpoint a, SafetensorsCheckpoint b)
    {
        var onlyA = a.TensorNames.Except(b.TensorNames, StringComparer.Ordinal).FirstOrDefault();
        if (onlyA is not null)
            throw ShiraErrors.DiffMismatch($"tensor '{onlyA}' is in the base but not in the tuned checkpoint", b.Path, onlyA);
        var onlyB = b.TensorNames.Except(a.TensorNames, StringComparer.Ordinal).FirstOrDefault();
        if (onlyB is not null)
            throw ShiraErrors.DiffMismatch($"tensor '{onlyB}' is in the tuned checkpoint but not in the base", b.Path, onlyB);
        foreach (var name in a.TensorNames)
        {
            a.TryGetTensor(name, out _, out var ai);
            b.TryGetTensor(name, out _, out var bi);
            if (ai.DType != bi.DType)
                throw ShiraErrors.DiffMismatch($"tensor '{name}' is {ai.DType} in the base but {bi.DType} in the tuned checkpoint", b.Path, name);
            if (!ai.Shape.SequenceEqual(bi.Shape))
                throw ShiraErrors.DiffMismatch($"tensor '{name}' is [{string.Join(", ", ai.Shape)}] in the base but [{string.Join(", ", bi.Shape)}] in the tuned checkpoint", b.Path, name);
        }
    }

    private static TensorReport WriteTensor(Format.Container.ShiraWriter w, string name, IReadOnlyList<long> shape, DType dtype,
        SafetensorsFile baseFile, SafetensorsFile tunedFile, DiffOptions options, List<string> notes, string tunedPath, GlobalThreshold? global)
    {
        var (b, t, delta, changed) = Delta(name, dtype, baseFile, tunedFile, tunedPath);
        int n = b.Length;
        double energy = 0;
        foreach (var d in delta) energy += (double)d * d;

        if (options.Density is { } density)
        {
            long k = global?.CountFor(delta) ?? Math.Min(DeltaSelection.CountForDensity(density, n), changed.Count);
            // TopK keeps no zero value; a global budget can leave a tensor with nothing: it is reported, not written.
            var sel = DeltaSelection.TopK(delta, k, options.ValueDType);
            long kept = sel.Indices.Length;
            if (kept > 0) w.AddTensor(Spec(name, shape, dtype, Semantics.Add, options.ValueDType, MaskStrategy.TopKDelta, (double)kept / n), sel.Indices, sel.Values);
            return new TensorReport(name, "diff-add", shape, kept, n, Semantics.Add, 0, 1, sel.RelativeError, sel.EnergyKept, energy);
        }

        var idx = changed.ToArray();
        var vals = new float[idx.Length];
        bool exact = true;
        for (int j = 0; j < idx.Length; j++)
        {
            int i = (int)idx[j];
            float stored = DeltaSelection.Round(delta[i], options.ValueDType);
            vals[j] = delta[i];
            // What an apply computes: f32(base) + 1·v, rounded once (to nearest even) into the base dtype. A zero delta
            // (only −0 → +0 changes bits with d = 0) is never stored as an Add entry, so it needs the Replace form too.
            if (stored == 0f || BitsOf(b[i] + stored, dtype) != BitsOf(t[i], dtype)) exact = false;
        }
        if (exact)
        {
            w.AddTensor(Spec(name, shape, dtype, Semantics.Add, options.ValueDType, MaskStrategy.ExactDiff, (double)idx.Length / n), idx, vals);
            return new TensorReport(name, "diff-add", shape, idx.Length, n, Semantics.Add, 0, 1, 0, 1, energy);
        }
        for (int j = 0; j < idx.Length; j++) vals[j] = t[(int)idx[j]];
        var lossless = ValueDTypes.FromDType(dtype)!.Value;
        notes.Add($"{name}: base + delta does not reproduce every tuned value in {options.ValueDType}; stored as a Replace of the {idx.Length} changed entries");
        w.AddTensor(Spec(name, shape, dtype, Semantics.Replace, lossless, MaskStrategy.ExactDiff, (double)idx.Length / n), idx, vals);
        return new TensorReport(name, "diff-replace", shape, idx.Length, n, Semantics.Replace, 0, 1, 0, 1, energy);
    }

    /// <summary>Base and tuned widened to f32, d = tuned − base at positions whose bits differ (0 elsewhere), and
    /// those positions.</summary>
    internal static (float[] Base, float[] Tuned, float[] Delta, List<long> Changed) Delta(string name, DType dtype,
        SafetensorsFile baseFile, SafetensorsFile tunedFile, string tunedPath)
    {
        var b = baseFile.ReadSingles(name);
        var t = tunedFile.ReadSingles(name);
        var delta = new float[b.Length];
        var changed = new List<long>();
        for (int i = 0; i < b.Length; i++)
        {
            if (BitsOf(b[i], dtype) == BitsOf(t[i], dtype)) continue;
            if (!float.IsFinite(t[i]) || !float.IsFinite(b[i]))
                throw ShiraErrors.DiffMismatch($"tensor '{name}' has a non-finite value at element {i}", tunedPath, name);
            delta[i] = t[i] - b[i];
            changed.Add(i);
        }
        return (b, t, delta, changed);
    }

    private static TensorSpec Spec(string name, IReadOnlyList<long> shape, DType dtype, Semantics semantics, ValueDType values, MaskStrategy strategy, double density) =>
        new()
        {
            Name = name, Shape = shape, BaseDType = dtype, Semantics = semantics, Scale = 1f, ValueDType = values,
            Mask = new MaskInfo { Strategy = strategy, Density = density },
        };

    /// <summary>The bits <paramref name="x"/> has once rounded (to nearest even) into <paramref name="dtype"/>.</summary>
    private static uint BitsOf(float x, DType dtype) => dtype switch
    {
        DType.BF16 => FloatBits.SingleToBF16(x),
        DType.F16 => FloatBits.SingleToF16(x),
        _ => BitConverter.SingleToUInt32Bits(x),
    };
}
