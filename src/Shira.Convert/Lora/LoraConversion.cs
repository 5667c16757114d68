using System.Globalization;
using Shira.Convert.Peft;
using Shira.Convert.Selection;
using Shira.Format;
using Shira.Format.Container;
using Shira.Format.Safetensors;


namespace Shira.Convert.Lora;

/// <summary>
/// LoRA → SHiRA: each module's delta is rebuilt exactly as PEFT merges it (scaling alpha/r or alpha/√r with the
/// rank/alpha patterns, fan_in_fan_out transposition, embedding LoRA, DoRA against the base), then sparsified.
/// lora_B.bias becomes a dense Add on the base bias; other full tensors become Replace entries.
/// </summary>
internal static class LoraConversion
{
    public static ConversionReport Run(PeftAdapterFolder folder, SafetensorsCheckpoint? baseModel, string output, ConvertOptions options)
    {
        var cfg = folder.Config;
        var file = folder.Weights;
        var notes = new List<string>();
        var values = options.ValueDType ?? ValueDType.F32;
        var plans = new List<TargetPlan>();
        var estimate = new EnergyEstimate();
        // Copies of base tensors first: a resized vocabulary explains a shape mismatch of the targets as well.
        Plans.CheckBaseCopies(file, folder.BaseCopies, baseModel);

        foreach (var m in folder.Modules)
        {
            double scaling = cfg.ScalingFor(m.Module, out int rank, out double alpha);
            if (m.IsEmbedding) plans.Add(PlanEmbedding(m, file, cfg, baseModel, options, values, scaling, rank, estimate, notes));
            else plans.Add(PlanLinear(m, file, cfg, baseModel, options, values, scaling, rank, estimate, notes));
            if (m.BBias is not null) plans.Add(PlanBias(m, file, baseModel, scaling, rank, notes));
        }
        foreach (var d in folder.Dense) plans.Add(Plans.Dense(file, d.Tensor, d.Target, baseModel, notes));
        Plans.Order(plans, file.FilePath);

        var parameters = new SortedDictionary<string, string>(StringComparer.Ordinal)
        {
            ["peft_type"] = cfg.PeftTypeName,
            ["r"] = cfg.R.ToString(CultureInfo.InvariantCulture),
            ["lora_alpha"] = PeftConfig.Text(cfg.LoraAlpha),
            ["use_rslora"] = cfg.UseRslora ? "true" : "false",
            ["use_dora"] = cfg.UseDora ? "true" : "false",
            ["fan_in_fan_out"] = cfg.FanInFanOut ? "true" : "false",
            ["selection"] = options.Mode switch
            {
                SparsifyMode.Density => "density=" + PeftConfig.Text(options.Density),
                SparsifyMode.Energy => "energy=" + PeftConfig.Text(options.Energy),
                _ => "budget=lora",
            },
            ["values"] = values.ToString().ToLowerInvariant(),
        };
        if (cfg.PeftVersion.Length > 0) parameters["peft_version"] = cfg.PeftVersion;
        if (cfg.TaskType.Length > 0) parameters["task_type"] = cfg.TaskType;
        if (cfg.RankPattern.Count > 0) parameters["rank_pattern"] = string.Join(",", cfg.RankPattern.Select(p => p.Key + "=" + p.Value.ToString(CultureInfo.InvariantCulture)));
        if (cfg.AlphaPattern.Count > 0) parameters["alpha_pattern"] = string.Join(",", cfg.AlphaPattern.Select(p => p.Key + "=" + PeftConfig.Text(p.Value)));
        if (baseModel is null)
        {
            // The entries are additive, so they apply to any float copy of the base; what the maker's base was is not known.
            parameters[Plans.BaseDTypeParameter] = Plans.UnknownBaseDType;
            if (folder.Modules.Count > 0)
                notes.Add("no --base given: target shapes come from the LoRA matrices; the base dtype is recorded as unknown");
        }

        var metadata = new AdapterMetadata
        {
            Name = Path.GetFileName(Path.TrimEndingDirectorySeparator(Path.GetFullPath(folder.Directory))),
            BaseModel = cfg.BaseModel,
            Provenance = new Provenance
            {
                Tool = "shira", ToolVersion = Plans.ToolVersion, SourceFormat = "peft-lora",
                Source = Path.GetFileName(Path.TrimEndingDirectorySeparator(Path.GetFullPath(folder.Directory))),
            },
            Parameters = parameters,
            BaseFingerprint = Plans.Fingerprint(plans, baseModel, folder.BaseCopies),
        };
        var reports = Plans.Run(output, metadata, plans, options.Writer, options.Progress);
        var warnings = new List<ConversionWarning>();
        Plans.AddBaseCopyWarnings(folder, baseModel, warnings);
        var report = new ConversionReport(folder.Directory, output, "peft-lora", reports, notes, Plans.SizeOf(output)) { Warnings = warnings };
        if (options.Mode == SparsifyMode.LoraBudget && report.RelativeError > ConversionWarning.LossyRelativeError)
            warnings.Add(LossyWarning(report, estimate.Entries));
        return report;
    }

    /// <summary>The warning for a default budget that lost more than half of the delta, with what <c>--energy 0.9</c>
    /// would cost. Bytes are estimated at this file's bytes per stored entry (indices compress better at higher
    /// density, so the estimate is on the high side).</summary>
    private static ConversionWarning LossyWarning(ConversionReport report, long energyEntries)
    {
        double perEntry = report.TotalNnz > 0 ? (double)report.OutputBytes / report.TotalNnz : 0;
        long bytes = (long)Math.Round(perEntry * energyEntries);
        double share = report.TotalNumel > 0 ? (double)energyEntries / report.TotalNumel : 0;
        string message = string.Create(CultureInfo.InvariantCulture,
            $"the default budget (r·(in+out) entries per module) keeps {report.EnergyKept:P0} of the LoRA delta's energy " +
            $"(relative error {report.RelativeError:F2}); --energy 0.9 would store {energyEntries:N0} entries ({share:P1} of the targets, about {bytes:N0} bytes) " +
            $"instead of {report.TotalNnz:N0} ({report.OutputBytes:N0} bytes)");
        return new ConversionWarning(ConversionWarning.LossyBudget, message, null, new SortedDictionary<string, double>(StringComparer.Ordinal)
        {
            ["relative_error"] = report.RelativeError,
            ["energy_kept"] = report.EnergyKept,
            ["entries"] = report.TotalNnz,
            ["bytes"] = report.OutputBytes,
            ["energy_0.9_entries"] = energyEntries,
            ["energy_0.9_bytes_estimate"] = bytes,
        });
    }

    /// <summary>Entries that <c>--energy 0.9</c> would keep, summed over the modules as they are converted.</summary>
    private sealed class EnergyEstimate
    {
        public long Entries;
    }

    private static TargetPlan PlanLinear(PeftModuleTensors m, SafetensorsFile file, PeftConfig cfg, SafetensorsCheckpoint? baseModel,
        ConvertOptions options, ValueDType values, double scaling, int rank, EnergyEstimate estimate, List<string> notes)
    {
        var a = m.A!;
        var b = m.B!;
        if (a.Shape.Count != 2 || b.Shape.Count != 2)
            throw ShiraErrors.PeftUnsupported($"module '{m.Module}': lora_A is [{string.Join(", ", a.Shape)}]; only Linear/Conv1D LoRA (2-D A and B) is supported, not convolution LoRA", file.FilePath, a.Name);
        int r = Dim(a, 0, file);
        int inF = Dim(a, 1, file);
        int outF = Dim(b, 0, file);
        if (b.Shape[1] != r)
            throw ShiraErrors.PeftBadTensors($"module '{m.Module}': lora_A has rank {r} but lora_B is [{string.Join(", ", b.Shape)}]", file.FilePath, b.Name);
        if (r != rank)
            throw ShiraErrors.PeftBadTensors($"module '{m.Module}': the config gives rank {rank} (r / rank_pattern) but lora_A has {r} rows", file.FilePath, a.Name);
        bool fifo = cfg.FanInFanOut;
        IReadOnlyList<long> shape = fifo ? [inF, outF] : [outF, inF];
        var baseDType = Plans.CheckBase(baseModel, m.WeightName, shape, DType.F32);
        bool dora = m.Magnitude is not null;
        if (dora)
        {
            if (baseModel is null)
                throw ShiraErrors.BaseRequired($"module '{m.Module}' is DoRA: its merged weight m·(W+ΔW)/‖W+ΔW‖ depends on the base weights; pass --base", file.FilePath, m.Magnitude!.Name);
            if (m.Magnitude!.Numel != outF)
                throw ShiraErrors.PeftBadTensors($"module '{m.Module}': lora_magnitude_vector has {m.Magnitude.Numel} elements, expected {outF}", file.FilePath, m.Magnitude.Name);
        }
        long numel = (long)inF * outF;
        CheckSize(numel, file, m.WeightName);
        long budget = Math.Min(numel, (long)r * (inF + outF));

        return new TargetPlan(m.WeightName, w =>
        {
            var av = TensorData.ReadFloats(file, a);
            var bv = TensorData.ReadFloats(file, b);
            float[] delta = LoraMath.Product(bv, outF, r, av, inF, (float)scaling);
            float[]? merged = null;
            if (dora)
            {
                var wBase = TensorData.ReadBase(baseModel!, m.WeightName);
                if (fifo) wBase = LoraMath.Transpose(wBase, inF, outF);
                merged = LoraMath.DoraMerged(wBase, delta, TensorData.ReadFloats(file, m.Magnitude!), outF, inF);
                for (int i = 0; i < delta.Length; i++) delta[i] = merged[i] - wBase[i];
                if (fifo) merged = LoraMath.Transpose(merged, outF, inF);
                // W + (W' - W) can round differently from W' itself; with f32 values the kept positions are stored
                // as W' (Replace), which is exactly PEFT's merged value. Narrow values stay deltas (Add).
                if (values != ValueDType.F32) merged = null;
            }
            if (fifo) delta = LoraMath.Transpose(delta, outF, inF);
            CheckFinite(delta, file, m.WeightName);
            return Emit(w, m.WeightName, shape, baseDType, delta, options, values, budget, rank, scaling,
                dora ? "dora" : "lora", estimate, notes, merged);
        });
    }

    private static TargetPlan PlanEmbedding(PeftModuleTensors m, SafetensorsFile file, PeftConfig cfg, SafetensorsCheckpoint? baseModel,
        ConvertOptions options, ValueDType values, double scaling, int rank, EnergyEstimate estimate, List<string> notes)
    {
        var a = m.EmbeddingA!;
        var b = m.EmbeddingB!;
        if (m.Magnitude is not null)
            throw ShiraErrors.PeftUnsupported($"module '{m.Module}': DoRA on embeddings is not implemented", file.FilePath, m.Magnitude.Name);
        if (a.Shape.Count != 2 || b.Shape.Count != 2 || b.Shape[1] != a.Shape[0])
            throw ShiraErrors.PeftBadTensors($"module '{m.Module}': lora_embedding_A [{string.Join(", ", a.Shape)}] and lora_embedding_B [{string.Join(", ", b.Shape)}] do not form B·A", file.FilePath, a.Name);
        int r = Dim(a, 0, file);
        int numEmb = Dim(a, 1, file);
        int dim = Dim(b, 0, file);
        if (r != rank)
            throw ShiraErrors.PeftBadTensors($"module '{m.Module}': the config gives rank {rank} but lora_embedding_A has {r} rows", file.FilePath, a.Name);
        CheckSize((long)numEmb * dim, file, m.WeightName);
        IReadOnlyList<long> shape = [numEmb, dim];
        var baseDType = Plans.CheckBase(baseModel, m.WeightName, shape, DType.F32);
        long budget = Math.Min((long)numEmb * dim, (long)r * (numEmb + dim));
        return new TargetPlan(m.WeightName, w =>
        {
            // PEFT: transpose(B @ A, True) * scaling -> [num_embeddings, embedding_dim]
            float[] prod = LoraMath.Product(TensorData.ReadFloats(file, b), dim, r, TensorData.ReadFloats(file, a), numEmb, (float)scaling);
            float[] delta = LoraMath.Transpose(prod, dim, numEmb);
            CheckFinite(delta, file, m.WeightName);
            return Emit(w, m.WeightName, shape, baseDType, delta, options, values, budget, rank, scaling, "lora-embedding", estimate, notes);
        });
    }

    private static TargetPlan PlanBias(PeftModuleTensors m, SafetensorsFile file, SafetensorsCheckpoint? baseModel, double scaling, int rank,
        List<string> notes)
    {
        var t = m.BBias!;
        IReadOnlyList<long> shape = [t.Numel];
        var baseDType = Plans.CheckBase(baseModel, m.BiasName, shape, DType.F32);
        return new TargetPlan(m.BiasName, w =>
        {
            var v = TensorData.ReadFloats(file, t);
            float s = (float)scaling;
            for (int i = 0; i < v.Length; i++) v[i] *= s; // PEFT: bias + lora_B.bias * scaling
            CheckFinite(v, file, m.BiasName);
            // Every non-zero entry, exactly (a zero adds nothing and is never stored).
            var indices = new List<long>(v.Length);
            var values = new List<float>(v.Length);
            double energy = 0;
            for (int i = 0; i < v.Length; i++)
            {
                if (v[i] == 0f) continue;
                indices.Add(i);
                values.Add(v[i]);
                energy += (double)v[i] * v[i];
            }
            if (indices.Count == 0)
            {
                notes.Add($"{m.BiasName}: lora_B.bias is zero; nothing is stored for this tensor");
                return new TensorReport(m.BiasName, "lora-bias", shape, 0, v.Length, Semantics.Add, rank, scaling, 0, 1, 0);
            }
            w.AddTensor(new TensorSpec
            {
                Name = m.BiasName, Shape = shape, BaseDType = baseDType, Semantics = Semantics.Add, Scale = 1f, ValueDType = ValueDType.F32,
                Mask = new MaskInfo { Strategy = MaskStrategy.Custom, Density = (double)indices.Count / v.Length, Description = "lora_B.bias" },
            }, indices.ToArray(), values.ToArray());
            return new TensorReport(m.BiasName, "lora-bias", shape, indices.Count, v.Length, Semantics.Add, rank, scaling, 0, 1, energy);
        });
    }

    private static TensorReport? Emit(ShiraWriter w, string target, IReadOnlyList<long> shape, DType baseDType, float[] delta,
        ConvertOptions options, ValueDType values, long budget, int rank, double scaling, string kind, EnergyEstimate estimate,
        List<string> notes, float[]? replaceWith = null)
    {
        long k = options.Mode switch
        {
            SparsifyMode.Density => DeltaSelection.CountForDensity(options.Density, delta.Length),
            SparsifyMode.Energy => DeltaSelection.CountForEnergy(delta, options.Energy),
            _ => budget,
        };
        if (options.Mode == SparsifyMode.LoraBudget) estimate.Entries += DeltaSelection.CountForEnergy(delta, 0.9);
        double energy = 0;
        foreach (var x in delta) energy += (double)x * x;
        // TopK never keeps an entry that is zero once stored, so an all-zero delta (e.g. an untrained lora_B) stores nothing.
        var sel = DeltaSelection.TopK(delta, k, values);
        long stored = sel.Indices.Length;
        if (stored == 0)
        {
            notes.Add($"{target}: the delta is zero; nothing is stored for this tensor");
            return new TensorReport(target, kind, shape, 0, delta.Length, Semantics.Add, rank, scaling, energy == 0 ? 0 : 1, energy == 0 ? 1 : 0, energy);
        }
        var semantics = Semantics.Add;
        var storedValues = sel.Values;
        if (replaceWith is not null)
        {
            semantics = Semantics.Replace;
            storedValues = new float[sel.Indices.Length];
            for (int i = 0; i < storedValues.Length; i++) storedValues[i] = replaceWith[sel.Indices[i]];
        }
        w.AddTensor(new TensorSpec
        {
            Name = target, Shape = shape, BaseDType = baseDType, Semantics = semantics, Scale = 1f, ValueDType = values,
            Mask = new MaskInfo
            {
                Strategy = MaskStrategy.TopKDelta,
                Density = (double)stored / delta.Length,
                Rank = options.Mode == SparsifyMode.LoraBudget ? rank : 0,
            },
        }, sel.Indices, storedValues);
        return new TensorReport(target, kind, shape, stored, delta.Length, semantics, rank, scaling, sel.RelativeError, sel.EnergyKept, energy);
    }

    private static int Dim(SafetensorsTensorInfo t, int axis, SafetensorsFile file) =>
        t.Shape[axis] <= int.MaxValue ? (int)t.Shape[axis]
            : throw ShiraErrors.PeftUnsupported($"dimension {t.Shape[axis]} of '{t.Name}' is too large", file.FilePath, t.Name);

    // The delta is rebuilt densely; its size comes from two small matrices, so check it before allocating.
    private static void CheckSize(long numel, SafetensorsFile file, string target)
    {
        if (numel > Array.MaxLength)
            throw ShiraErrors.PeftUnsupported($"the delta for '{target}' would have {numel} elements, more than one dense buffer can hold", file.FilePath, target);
    }

    private static void CheckFinite(float[] v, SafetensorsFile file, string target)
    {
        for (int i = 0; i < v.Length; i++)
            if (!float.IsFinite(v[i]))
                throw ShiraErrors.PeftBadTensors($"the merged delta for '{target}' is not finite at element {i}", file.FilePath, target);
    }
}
