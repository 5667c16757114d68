using Shira.Format;
using Shira.Format.Container;
using Shira.Format.Safetensors;


namespace Shira.Convert;

/// <summary>Shared steps of the converters.</summary>
internal static class Plans
{
    private const long LargeHeapBytes = 256L << 20;

    /// <summary>Sorts plans by target, refusing two plans for one target.</summary>
    public static List<TargetPlan> Order(List<TargetPlan> plans, string file)
    {
        plans.Sort((a, b) => string.CompareOrdinal(a.Target, b.Target));
        for (int i = 1; i < plans.Count; i++)
            if (plans[i].Target == plans[i - 1].Target)
                throw ShiraErrors.Create(ShiraErrorCode.PeftBadTensors, $"two adapter parts target base tensor '{plans[i].Target}'", file, plans[i].Target);
        return plans;
    }

    /// <summary>Runs the plans into a new file; returns the reports (tensors written).</summary>
    public static List<TensorReport> Run(string output, AdapterMetadata metadata, List<TargetPlan> plans, ShiraWriterOptions? writerOptions,
        IProgress<ConvertProgress>? progress)
    {
        var reports = new List<TensorReport>(plans.Count);
        ShiraWriter.WriteFile(output, metadata, w =>
        {
            int done = 0;
            foreach (var plan in plans)
            {
                var r = plan.Write(w);
                if (r is not null) reports.Add(r);
                // A module's delta buffers are large-object-heap garbage once written; collect them now rather than
                // let the heap grow by one module per step, so peak memory stays about one module.
                if (GC.GetTotalMemory(forceFullCollection: false) > LargeHeapBytes) GC.Collect();
                progress?.Report(new ConvertProgress(++done, plans.Count, plan.Target));
            }
        }, writerOptions);
        return reports;
    }

    /// <summary>Checks a target against the base (exists, shape, adaptable dtype) and returns its dtype;
    /// <paramref name="fallback"/> when there is no base.</summary>
    public static DType CheckBase(SafetensorsCheckpoint? baseModel, string target, IReadOnlyList<long> shape, DType fallback)
    {
        if (baseModel is null) return fallback;
        if (!baseModel.TryGetTensor(target, out _, out var info))
            throw ShiraErrors.Create(ShiraErrorCode.BaseTensorMissing, $"the adapter targets '{target}', which the base does not have", baseModel.Path, target);
        if (!info.Shape.SequenceEqual(shape))
            throw ShiraErrors.Create(ShiraErrorCode.BaseShapeMismatch,
                $"the adapter gives '{target}' shape [{string.Join(", ", shape)}] but the base has [{string.Join(", ", info.Shape)}]", baseModel.Path, target);
        if (!info.DType.IsAdaptable())
            throw ShiraErrors.Create(ShiraErrorCode.BaseDTypeMismatch, $"base tensor '{target}' is {info.DType}; only F32, F16 and BF16 can be adapted", baseModel.Path, target);
        return info.DType;
    }

    /// <summary>A plan for a full replacement tensor carried from the adapter file (values stored losslessly).</summary>
    public static TargetPlan Dense(SafetensorsFile file, SafetensorsTensorInfo t, string target, SafetensorsCheckpoint? baseModel, List<string> notes)
    {
        if (t.DType is not (DType.F32 or DType.F16 or DType.BF16 or DType.F64))
            throw ShiraErrors.Create(ShiraErrorCode.PeftUnsupported,
                $"dense tensor for '{target}' has dtype {t.DType}; only float tensors can be carried as replacements", file.FilePath, t.Name);
        var shape = t.Shape.Count == 0 ? (IReadOnlyList<long>)[1L] : t.Shape;
        if (shape.Count > 4)
            throw ShiraErrors.Create(ShiraErrorCode.PeftUnsupported, $"dense tensor for '{target}' has rank {shape.Count} (at most 4 supported)", file.FilePath, t.Name);
        var valueType = ValueDTypes.FromDType(t.DType) ?? ValueDType.F32;
        var baseDType = CheckBase(baseModel, target, shape, valueType.ToDType());
        if (t.DType == DType.F64) notes.Add($"{target}: F64 dense tensor stored as F32 (rounded)");
        return new TargetPlan(target, w =>
        {
            long n = t.Numel;
            var indices = new long[n];
            for (long i = 0; i < n; i++) indices[i] = i;
            var spec = new TensorSpec
            {
                Name = target, Shape = shape, BaseDType = baseDType, Semantics = Semantics.Replace, Scale = 1f, ValueDType = valueType,
                Mask = new MaskInfo { Strategy = MaskStrategy.Custom, Density = 1, Description = "dense replacement from the adapter file (modules_to_save)" },
            };
            if (t.DType == DType.F64) w.AddTensor(spec, indices, file.ReadSingles(t.Name));
            else w.AddTensor(spec, indices, file.GetBytes(t), valueType);
            return new TensorReport(target, "dense", shape, n, n, Semantics.Replace, 0, 1, 0, 1);
        });
    }

    /// <summary>The tool version recorded in provenance.</summary>
    public static string ToolVersion =>
        typeof(Plans).Assembly.GetName().Version?.ToString(3) ?? "0.0.0";

    /// <summary>The base fingerprint of the targets (names, shapes, dtypes) when a base was given; empty otherwise.
    /// Content hashes are left out on purpose: verifying them costs a full read of every adapted tensor at each apply,
    /// which would defeat fast switching for adapters that are not tied to one exact checkpoint revision.</summary>
    public static IReadOnlyList<BaseTensorFingerprint> Fingerprint(IEnumerable<TargetPlan> plans, SafetensorsCheckpoint? baseModel)
    {
        if (baseModel is null) return [];
        var result = new List<BaseTensorFingerprint>();
        foreach (var p in plans)
            if (baseModel.TryGetTensor(p.Target, out _, out var info))
                result.Add(new BaseTensorFingerprint(p.Target, info.Shape, info.DType, null));
        return result;
    }

    /// <summary>The file's size, or 0.</summary>
    public static long SizeOf(string path) => File.Exists(path) ? new FileInfo(path).Length : 0;
}
