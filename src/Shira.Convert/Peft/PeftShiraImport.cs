using System.Globalization;
using Shira.Convert.Peft;
using Shira.Format;
using Shira.Format.Safetensors;


namespace Shira.Convert.Peft;

/// <summary>
/// PEFT SHiRA → .shira, losslessly: <c>shira_indices</c> [2, nnz] (row, col; int32, int64, or float32 holding exact
/// integers) become flat row-major indices; <c>shira_weight</c> is stored in its own float type. PEFT merges
/// W += sparse(indices, weight · scaling) with scaling 1, so entries are Add with scale 1. r, mask type and seed
/// are kept as mask metadata.
/// </summary>
internal static class PeftShiraImport
{
    public static ConversionReport Run(PeftAdapterFolder folder, SafetensorsCheckpoint? baseModel, string output, ConvertOptions options)
    {
        var cfg = folder.Config;
        var file = folder.Weights;
        var notes = new List<string>();
        var plans = new List<TargetPlan>();
        // Copies of base tensors first: a resized vocabulary explains a shape mismatch of the targets as well.
        Plans.CheckBaseCopies(file, folder.BaseCopies, baseModel);
        foreach (var m in folder.Modules) plans.Add(Plan(m, file, cfg, baseModel, options, notes));
        foreach (var d in folder.Dense) plans.Add(Plans.Dense(file, d.Tensor, d.Target, baseModel, notes));
        Plans.Order(plans, file.FilePath);

        var parameters = new SortedDictionary<string, string>(StringComparer.Ordinal)
        {
            ["peft_type"] = cfg.PeftTypeName,
            ["r"] = cfg.R.ToString(CultureInfo.InvariantCulture),
            ["mask_type"] = cfg.MaskType,
        };
        if (cfg.RandomSeed is { } seed) parameters["random_seed"] = seed.ToString(CultureInfo.InvariantCulture);
        if (cfg.PeftVersion.Length > 0) parameters["peft_version"] = cfg.PeftVersion;
        if (cfg.TaskType.Length > 0) parameters["task_type"] = cfg.TaskType;
        // SHiRA entries are additive, so they apply to any float copy of the base; without one its dtype is not known.
        if (baseModel is null) parameters[Plans.BaseDTypeParameter] = Plans.UnknownBaseDType;
        string name = Path.GetFileName(Path.TrimEndingDirectorySeparator(Path.GetFullPath(folder.Directory)));
        var metadata = new AdapterMetadata
        {
            Name = name,
            BaseModel = cfg.BaseModel,
            Provenance = new Provenance { Tool = "shira", ToolVersion = Plans.ToolVersion, SourceFormat = "peft-shira", Source = name },
            Parameters = parameters,
            BaseFingerprint = Plans.Fingerprint(plans, baseModel, folder.BaseCopies),
        };
        var reports = Plans.Run(output, metadata, plans, options.Writer, options.Progress);
        var warnings = new List<ConversionWarning>();
        Plans.AddBaseCopyWarnings(folder, baseModel, warnings);
        return new ConversionReport(folder.Directory, output, "peft-shira", reports, notes, Plans.SizeOf(output)) { Warnings = warnings };
    }

    private static TargetPlan Plan(PeftModuleTensors m, SafetensorsFile file, PeftConfig cfg, SafetensorsCheckpoint? baseModel,
        ConvertOptions options, List<string> notes)
    {
        var wInfo = m.ShiraWeight!;
        var iInfo = m.ShiraIndices!;
        if (iInfo.Shape.Count != 2 || iInfo.Shape[0] != 2)
            throw Bad(file, iInfo.Name, $"shira_indices must be [2, nnz], found [{string.Join(", ", iInfo.Shape)}]");
        long nnz = iInfo.Shape[1];
        if (wInfo.Numel != nnz || wInfo.Shape.Count != 1)
            throw Bad(file, wInfo.Name, $"shira_weight must be [{nnz}] to match shira_indices, found [{string.Join(", ", wInfo.Shape)}]");
        if (wInfo.DType is not (DType.F32 or DType.F16 or DType.BF16 or DType.F64))
            throw Bad(file, wInfo.Name, $"shira_weight has dtype {wInfo.DType}; a float type is required");

        // Indices are read at plan time: the shape may have to be inferred from them, and every check runs before writing.
        var idx = TensorData.ReadIntegers(file, iInfo);
        long maxRow = -1, maxCol = -1;
        for (long i = 0; i < nnz; i++)
        {
            long r = idx[i], c = idx[nnz + i];
            if (r < 0 || c < 0) throw Bad(file, iInfo.Name, $"negative index ({r}, {c}) at entry {i}");
            maxRow = Math.Max(maxRow, r);
            maxCol = Math.Max(maxCol, c);
        }

        long rows, cols;
        if (baseModel is not null)
        {
            if (!baseModel.TryGetTensor(m.WeightName, out _, out var bi))
                throw ShiraErrors.BaseTensorMissing($"the adapter targets '{m.WeightName}', which the base does not have", baseModel.Path, m.WeightName);
            if (bi.Shape.Count != 2)
                throw ShiraErrors.BaseShapeMismatch($"SHiRA targets a 2-D weight but base '{m.WeightName}' is [{string.Join(", ", bi.Shape)}]", baseModel.Path, m.WeightName);
            rows = bi.Shape[0];
            cols = bi.Shape[1];
            if (maxRow >= rows || maxCol >= cols)
                throw ShiraErrors.BaseShapeMismatch($"index ({maxRow}, {maxCol}) is outside base '{m.WeightName}' [{rows}, {cols}]", baseModel.Path, m.WeightName);
        }
        else
        {
            // PEFT sizes the mask as r·(in + out). With a random mask the largest row and column are almost surely
            // out-1 and in-1; when their sum matches, the shape is determined exactly (in ≥ maxCol+1, out ≥ maxRow+1).
            long sum = (maxRow + 1) + (maxCol + 1);
            if (nnz == 0 || cfg.R <= 0 || nnz % cfg.R != 0 || nnz / cfg.R != sum)
                throw ShiraErrors.BaseRequired($"module '{m.Module}': the weight shape cannot be inferred from the SHiRA indices; pass --base", file.FilePath, iInfo.Name);
            rows = maxRow + 1;
            cols = maxCol + 1;
        }
        IReadOnlyList<long> shape = [rows, cols];
        var baseDType = baseModel is null ? DType.F32 : Plans.CheckBase(baseModel, m.WeightName, shape, DType.F32);
        long numel = checked(rows * cols);

        var flat = new long[nnz];
        bool sorted = true;
        for (long i = 0; i < nnz; i++)
        {
            flat[i] = idx[i] * cols + idx[nnz + i];
            if (i > 0 && flat[i] <= flat[i - 1]) sorted = false;
        }
        int[]? order = null;
        if (!sorted)
        {
            order = new int[nnz];
            for (int i = 0; i < order.Length; i++) order[i] = i;
            var keys = (long[])flat.Clone();
            Array.Sort(keys, order);
            flat = keys;
            for (long i = 1; i < nnz; i++)
                if (flat[i] == flat[i - 1])
                    throw Bad(file, iInfo.Name, $"position ({flat[i] / cols}, {flat[i] % cols}) appears twice");
            notes.Add($"{m.WeightName}: SHiRA indices were not in row-major order; sorted");
        }

        var sourceType = ValueDTypes.FromDType(wInfo.DType);
        var valueType = options.ValueDType ?? sourceType ?? ValueDType.F32;
        if (wInfo.DType == DType.F64) notes.Add($"{m.WeightName}: F64 shira_weight stored as {valueType} (rounded)");
        else if (valueType != sourceType) notes.Add($"{m.WeightName}: shira_weight {wInfo.DType} stored as {valueType} (rounded)");
        var mask = new MaskInfo
        {
            Strategy = cfg.MaskType == "random" ? MaskStrategy.Random : MaskStrategy.Custom,
            Description = cfg.MaskType == "random" ? "" : "PEFT mask_type=" + cfg.MaskType,
            Seed = cfg.RandomSeed,
            Rank = cfg.R,
            Density = (double)nnz / numel,
        };
        string target = m.WeightName;
        return new TargetPlan(target, w =>
        {
            var spec = new TensorSpec
            {
                Name = target, Shape = shape, BaseDType = baseDType, Semantics = Semantics.Add, Scale = 1f, ValueDType = valueType, Mask = mask,
            };
            double energy = 0;
            if (sourceType == valueType && order is null)
            {
                var bytes = file.GetBytes(wInfo);
                w.AddTensor(spec, flat, bytes, valueType);
                foreach (var v in TensorData.ReadFloats(file, wInfo)) energy += (double)v * v;
            }
            else if (sourceType == valueType)
            {
                int size = valueType.ByteSize();
                var src = file.GetBytes(wInfo);
                var permuted = new byte[src.Length];
                for (int i = 0; i < order!.Length; i++) src.Slice(order[i] * size, size).CopyTo(permuted.AsSpan(i * size));
                w.AddTensor(spec, flat, permuted, valueType);
                foreach (var v in TensorData.ReadFloats(file, wInfo)) energy += (double)v * v;
            }
            else
            {
                var vals = TensorData.ReadFloats(file, wInfo);
                if (order is not null)
                {
                    var p = new float[vals.Length];
                    for (int i = 0; i < order.Length; i++) p[i] = vals[order[i]];
                    vals = p;
                }
                w.AddTensor(spec, flat, vals);
                foreach (var v in vals) energy += (double)v * v;
            }
            return new TensorReport(target, "shira", shape, nnz, numel, Semantics.Add, cfg.R, 1, 0, 1, energy);
        });
    }

    private static ShiraException Bad(SafetensorsFile file, string tensor, string message) =>
        ShiraErrors.PeftBadTensors(message, file.FilePath, tensor);
}
