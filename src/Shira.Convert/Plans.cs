using Shira.Format;
using Shira.Format.Container;
using Shira.Format.Safetensors;


namespace Shira.Convert;

/// <summary>Shared steps of the converters.</summary>
internal static class Plans
{
    /// <summary>The adapter parameter that says the base dtype was not known when the adapter was made.</summary>
    public const string BaseDTypeParameter = "base_dtype";
    /// <summary>Its value when no base was given; the entries' recorded base dtypes are then F32 by convention.</summary>
    public const string UnknownBaseDType = "unknown";

    /// <summary>Sorts plans by target, refusing two plans for one target.</summary>
    public static List<TargetPlan> Order(List<TargetPlan> plans, string file)
    {
        plans.Sort((a, b) => string.CompareOrdinal(a.Target, b.Target));
        for (int i = 1; i < plans.Count; i++)
            if (plans[i].Target == plans[i - 1].Target)
                throw ShiraErrors.PeftBadTensors($"two adapter parts target base tensor '{plans[i].Target}'", file, plans[i].Target);
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
            throw ShiraErrors.BaseTensorMissing($"the adapter targets '{target}', which the base does not have", baseModel.Path, target);
        if (!info.Shape.SequenceEqual(shape))
            throw ShiraErrors.BaseShapeMismatch($"the adapter gives '{target}' shape [{string.Join(", ", shape)}] but the base has [{string.Join(", ", info.Shape)}]" +
                (IsResizedVocabulary(shape, info.Shape) ? ": resized vocabulary — use the resized base the adapter was trained on" : ""),
                baseModel.Path, target);
        if (!info.DType.IsAdaptable())
            throw ShiraErrors.BaseDTypeMismatch($"base tensor '{target}' is {info.DType}; only F32, F16 and BF16 can be adapted", baseModel.Path, target);
        return info.DType;
    }

    /// <summary>A plan for a full replacement tensor carried from the adapter file (values stored losslessly).</summary>
    public static TargetPlan Dense(SafetensorsFile file, SafetensorsTensorInfo t, string target, SafetensorsCheckpoint? baseModel, List<string> notes)
    {
        if (t.DType is not (DType.F32 or DType.F16 or DType.BF16 or DType.F64))
            throw ShiraErrors.PeftUnsupported($"dense tensor for '{target}' has dtype {t.DType}; only float tensors can be carried as replacements", file.FilePath, t.Name);
        var shape = t.Shape.Count == 0 ? (IReadOnlyList<long>)[1L] : t.Shape;
        if (shape.Count > 4)
            throw ShiraErrors.PeftUnsupported($"dense tensor for '{target}' has rank {shape.Count} (at most 4 supported)", file.FilePath, t.Name);
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

    /// <summary>The base fingerprint: with a base, the names, shapes and dtypes of the targets and of the base tensors
    /// the adapter file carries copies of; without one, those copies as the adapter file has them (so that apply
    /// refuses a base of another shape, e.g. another vocabulary size). Content hashes are left out on purpose: they
    /// would bind the adapter to one dtype and one exact checkpoint, and verifying them costs a full read of every
    /// adapted tensor at each apply, which would defeat fast switching.</summary>
    public static IReadOnlyList<BaseTensorFingerprint> Fingerprint(IEnumerable<TargetPlan> plans, SafetensorsCheckpoint? baseModel,
        IReadOnlyList<Peft.PeftDenseTensor> baseCopies)
    {
        var result = new SortedDictionary<string, BaseTensorFingerprint>(StringComparer.Ordinal);
        if (baseModel is not null)
        {
            foreach (var name in plans.Select(p => p.Target).Concat(baseCopies.Select(c => c.Target)))
                if (baseModel.TryGetTensor(name, out _, out var info))
                    result[name] = new BaseTensorFingerprint(name, info.Shape, info.DType, null);
        }
        else
        {
            foreach (var c in baseCopies)
                result[c.Target] = new BaseTensorFingerprint(c.Target, c.Tensor.Shape, c.Tensor.DType, null);
        }
        return [.. result.Values];
    }

    /// <summary>Compares each copy of a base tensor that PEFT saved with the adapter (an embedding's <c>base_layer</c>)
    /// with the base: it must have the same shape and, rounded into the base dtype, the same values. A copy that
    /// equals the base adds nothing to the output. Throws <see cref="ShiraErrorCode.PeftBaseMismatch"/> naming what
    /// differs.</summary>
    public static void CheckBaseCopies(SafetensorsFile file, IReadOnlyList<Peft.PeftDenseTensor> copies, SafetensorsCheckpoint? baseModel)
    {
        if (baseModel is null) return;
        foreach (var c in copies)
        {
            var t = c.Tensor;
            if (!baseModel.TryGetTensor(c.Target, out var baseFile, out var bi))
                throw ShiraErrors.PeftBaseMismatch($"'{t.Name}' is PEFT's copy of base tensor '{c.Target}', which the base does not have (another model?)", file.FilePath, t.Name);
            if (!bi.Shape.SequenceEqual(t.Shape))
                throw ShiraErrors.PeftBaseMismatch($"'{t.Name}' is PEFT's copy of base tensor '{c.Target}': shape [{string.Join(", ", t.Shape)}] in the adapter vs " +
                    $"[{string.Join(", ", bi.Shape)}] in the base" +
                    (IsResizedVocabulary(t.Shape, bi.Shape)
                        ? ": resized vocabulary — apply to a resized base (the one the adapter was trained on) and convert against it"
                        : ": the adapter was trained on another model"),
                    file.FilePath, t.Name);
            if (t.DType == bi.DType && file.GetBytes(t).SequenceEqual(baseFile.GetBytes(bi))) continue;
            if (!bi.DType.IsAdaptable() || t.DType is not (DType.F32 or DType.F16 or DType.BF16 or DType.F64))
                throw ShiraErrors.PeftBaseMismatch($"'{t.Name}' is PEFT's copy of base tensor '{c.Target}' but is {t.DType} where the base is {bi.DType}, with other bytes", file.FilePath, t.Name);
            // Another dtype: both rounded into the narrower of the two must agree (a bf16 copy of the same f32 model, or
            // an f32 copy checked against a bf16 base, passes).
            var compareIn = t.DType is DType.F16 or DType.BF16 ? t.DType : bi.DType;
            var copy = file.ReadSingles(t.Name);
            var baseValues = baseFile.ReadSingles(c.Target);
            long differ = 0, first = -1;
            for (long i = 0; i < copy.Length; i++)
            {
                if (Bits(copy[i], compareIn) == Bits(baseValues[i], compareIn)) continue;
                if (differ++ == 0) first = i;
            }
            if (differ > 0)
                throw ShiraErrors.PeftBaseMismatch(string.Create(System.Globalization.CultureInfo.InvariantCulture,
                        $"'{t.Name}' is PEFT's copy of base tensor '{c.Target}' but differs from the base at {differ} of {copy.Length} elements (first at element {first}: {copy[first]} in the adapter, {baseValues[first]} in the base): the adapter was trained on another base or revision (e.g. retrained or resized embeddings); convert against that base"),
                    file.FilePath, t.Name);
        }
    }

    /// <summary>Without a base, the copies cannot be compared: one warning each.</summary>
    public static void AddBaseCopyWarnings(Peft.PeftAdapterFolder folder, SafetensorsCheckpoint? baseModel, List<ConversionWarning> warnings)
    {
        if (baseModel is not null) return;
        foreach (var c in folder.BaseCopies)
            warnings.Add(new ConversionWarning(ConversionWarning.UncheckedBaseCopy,
                $"'{c.Tensor.Name}' is PEFT's copy of base tensor '{c.Target}' [{string.Join(", ", c.Tensor.Shape)}]; without --base it was not " +
                "compared with the base (apply checks only its shape)", c.Target,
                new SortedDictionary<string, double>(StringComparer.Ordinal) { ["rows"] = c.Tensor.Shape.Count > 0 ? c.Tensor.Shape[0] : 1 }));
    }

    /// <summary>Two 2-D shapes that differ only in the number of rows: an embedding or output head of another vocabulary size.</summary>
    private static bool IsResizedVocabulary(IReadOnlyList<long> a, IReadOnlyList<long> b) =>
        a.Count == 2 && b.Count == 2 && a[0] != b[0] && a[1] == b[1];

    private static uint Bits(float x, DType dtype) => dtype switch
    {
        DType.BF16 => Format.Numerics.FloatBits.SingleToBF16(x),
        DType.F16 => Format.Numerics.FloatBits.SingleToF16(x),
        _ => BitConverter.SingleToUInt32Bits(x),
    };

    /// <summary>The file's size, or 0.</summary>
    public static long SizeOf(string path) => File.Exists(path) ? new FileInfo(path).Length : 0;
}
