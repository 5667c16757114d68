using System.Globalization;
using System.IO.Hashing;
using Shira.Format;
using Shira.Format.Container;
using Shira.Format.Safetensors;
using Shira.Training.Masks;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Shira.Training;

/// <summary>
/// SHiRA adapters attached to the linear layers of any TorchSharp model (PEFT's <c>get_peft_model</c> for
/// SHiRA): every parameter of the model is frozen, each targeted layer gets a mask and a trainable value vector
/// (<see cref="ShiraLayer"/>), and <see cref="Save"/> writes a .shira whose application to the base reproduces
/// the trained effective weights exactly.
/// </summary>
/// <example>
/// <code>
/// using var adapter = ShiraAdapter.Attach(model, new ShiraConfig
/// {
///     TargetModules = ["q_proj", "v_proj"], Strategy = MaskStrategy.Random, Budget = AdapterBudget.FromRank(8), Seed = 1,
/// });
/// var result = Trainer.Train(adapter, step => lossForStep(step), new TrainerOptions { Steps = 100 });
/// adapter.Save("task.shira", new AdapterExportInfo { Name = "task", Parameters = result.Parameters });
/// </code>
/// </example>
public sealed class ShiraAdapter : ITrainableAdapter
{
    private readonly AdaptedLayers<ShiraLayer> _layers;
    private readonly Parameter[] _parameters;

    private ShiraAdapter(ShiraConfig config, List<ShiraLayer> layers)
    {
        Config = config;
        _layers = new(layers);
        _parameters = layers.Select(l => l.Values).ToArray();
    }

    /// <summary>The configuration the adapter was made with.</summary>
    public ShiraConfig Config { get; }

    /// <summary>One entry per adapted layer, in model order.</summary>
    public IReadOnlyList<ShiraLayer> Layers => _layers.All;

    /// <inheritdoc />
    public string Method => Config.MethodName;

    /// <inheritdoc />
    public IReadOnlyList<string> TargetModules => _layers.Names;

    /// <inheritdoc />
    public IReadOnlyList<Parameter> TrainableParameters => _parameters;

    /// <inheritdoc />
    public long TrainableParameterCount => _layers.All.Sum(l => l.Mask.Count);

    /// <summary>
    /// Freezes <paramref name="model"/>, chooses a mask for each targeted linear layer with
    /// <see cref="ShiraConfig.Strategy"/> and attaches the adapters. Gradient and SNIP masks need
    /// <paramref name="calibrationLoss"/>: called with batch numbers 0..<see cref="ShiraConfig.CalibrationBatches"/>−1,
    /// it runs the model and returns a scalar loss; the base weights' gradients are accumulated and then dropped.
    /// </summary>
    public static ShiraAdapter Attach(nn.Module model, ShiraConfig config, Func<int, Tensor>? calibrationLoss = null)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(config);
        var targets = TargetSelector.Find(model, config.TargetModules, config.TargetRegex);
        Freeze(model);
        Dictionary<string, float[]>? gradScores = null;
        if (config.Strategy is MaskStrategy.Gradient or MaskStrategy.Snip)
        {
            if (calibrationLoss is null)
                throw new ArgumentException($"the {config.Strategy} mask needs calibration batches", nameof(calibrationLoss));
            gradScores = AccumulateGradients(targets, calibrationLoss, config.CalibrationBatches);
        }

        var masks = new Dictionary<string, SparseMask>(StringComparer.Ordinal);
        for (int i = 0; i < targets.Count; i++)
        {
            var (name, linear) = targets[i];
            long rows = linear.out_features, cols = linear.in_features;
            masks[name] = config.Strategy switch
            {
                MaskStrategy.Structured => MaskSelector.Structured(rows, cols, config.Budget),
                MaskStrategy.Random => MaskSelector.Random(rows, cols, config.Budget, unchecked(config.Seed + (ulong)i)),
                MaskStrategy.WeightMagnitude => MaskSelector.TopK(MaskScores.WeightMagnitude(linear.weight!), rows, cols,
                    config.Budget, MaskStrategy.WeightMagnitude),
                MaskStrategy.Gradient => MaskSelector.TopK(gradScores![name], rows, cols, config.Budget, MaskStrategy.Gradient),
                MaskStrategy.Snip => MaskSelector.TopK(MaskScores.Snip(linear.weight!, gradScores![name]), rows, cols,
                    config.Budget, MaskStrategy.Snip),
                _ => throw new ArgumentException($"mask strategy {config.Strategy} cannot be trained", nameof(config)),
            };
        }
        return Attach(model, config, masks);
    }

    /// <summary>Freezes <paramref name="model"/> and attaches adapters with the given masks (keyed by module name;
    /// every targeted module needs one, with the layer's shape).</summary>
    public static ShiraAdapter Attach(nn.Module model, ShiraConfig config, IReadOnlyDictionary<string, SparseMask> masks)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(config);
        ArgumentNullException.ThrowIfNull(masks);
        var targets = TargetSelector.Find(model, config.TargetModules, config.TargetRegex);
        Freeze(model);
        var layers = new List<ShiraLayer>(targets.Count);
        foreach (var (name, linear) in targets)
        {
            if (!masks.TryGetValue(name, out var mask))
                throw new ArgumentException($"no mask for module {name}", nameof(masks));
            if (mask.Rows != linear.out_features || mask.Cols != linear.in_features)
                throw new ArgumentException($"mask for {name} is [{mask.Rows}, {mask.Cols}], the layer is [{linear.out_features}, {linear.in_features}]", nameof(masks));
            layers.Add(new ShiraLayer(name, linear, mask, config.ForwardMode));
        }
        return new ShiraAdapter(config, layers);
    }

    /// <inheritdoc />
    public IReadOnlyDictionary<string, string> Describe()
    {
        var d = new SortedDictionary<string, string>(StringComparer.Ordinal)
        {
            ["method"] = Method,
            ["mask_strategy"] = Config.Strategy.ToString(),
            ["budget"] = Config.Budget.ToString(),
            ["target_modules"] = string.Join(",", Config.TargetModules),
            ["trainable_parameters"] = TrainableParameterCount.ToString(CultureInfo.InvariantCulture),
            ["forward_mode"] = Config.ForwardMode.ToString(),
        };
        if (Config.Budget.Rank > 0) d["r"] = Config.Budget.Rank.ToString(CultureInfo.InvariantCulture);
        else d["density"] = Config.Budget.Density.ToString("R", CultureInfo.InvariantCulture);
        if (Config.Strategy == MaskStrategy.Random) d["mask_seed"] = Config.Seed.ToString(CultureInfo.InvariantCulture);
        if (Config.Strategy is MaskStrategy.Gradient or MaskStrategy.Snip)
            d["calibration_batches"] = Config.CalibrationBatches.ToString(CultureInfo.InvariantCulture);
        if (!string.IsNullOrEmpty(Config.TargetRegex)) d["target_regex"] = Config.TargetRegex;
        return d;
    }

    /// <summary>Writes a .shira (atomically): one Add entry per layer with scale 1, f32 values, tensors in ordinal
    /// name order, structured masks stored as rows/columns/diagonal, and a base fingerprint of the adapted tensors.</summary>
    public void Save(string path, AdapterExportInfo info)
    {
        ArgumentNullException.ThrowIfNull(path);
        ArgumentNullException.ThrowIfNull(info);
        var ordered = _layers.All.OrderBy(l => l.TensorName, StringComparer.Ordinal).ToArray();
        var parameters = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var (k, v) in Describe()) parameters[k] = v;
        foreach (var (k, v) in info.Parameters) parameters[k] = v;
        var fingerprint = new BaseTensorFingerprint[ordered.Length];
        if (info.BaseCheckpoint is null)
        {
            for (int i = 0; i < ordered.Length; i++)
                fingerprint[i] = ordered[i].WithBaseWeight(w => Fingerprint(ordered[i].TensorName, w, info.HashBaseTensors));
        }
        else
        {
            using var checkpoint = SafetensorsCheckpoint.Open(info.BaseCheckpoint);
            for (int i = 0; i < ordered.Length; i++)
                fingerprint[i] = Fingerprint(checkpoint, ordered[i], info.HashBaseTensors);
        }
        var metadata = new AdapterMetadata
        {
            Name = info.Name,
            Description = info.Description,
            BaseModel = info.BaseModel,
            BaseFingerprint = fingerprint,
            Provenance = new Provenance
            {
                Tool = "shira",
                ToolVersion = typeof(ShiraAdapter).Assembly.GetName().Version?.ToString() ?? "",
                Source = info.BaseModel,
                SourceFormat = "shira-train",
            },
            Parameters = parameters,
        };
        ShiraWriter.WriteFile(path, metadata, writer =>
        {
            for (int i = 0; i < ordered.Length; i++)
            {
                var layer = ordered[i];
                var spec = new TensorSpec
                {
                    Name = layer.TensorName,
                    Shape = [layer.Mask.Rows, layer.Mask.Cols],
                    BaseDType = fingerprint[i].DType,
                    Semantics = Semantics.Add,
                    Scale = 1f,
                    ValueDType = Format.ValueDType.F32,
                    IndexEncoding = layer.Mask.IsStructured ? IndexEncoding.Structured : IndexEncoding.Auto,
                    Mask = layer.Mask.Info,
                };
                writer.AddTensor(spec, layer.Mask.Indices, layer.GetValues());
            }
        });
    }

    /// <inheritdoc />
    public float[] EffectiveWeight(string module) => Layer(module).EffectiveWeight();

    /// <summary>The layer adapting <paramref name="module"/>.</summary>
    public ShiraLayer Layer(string module) =>
        _layers.Find(module);

    /// <inheritdoc />
    public void Remove() => _layers.Remove();

    /// <inheritdoc />
    public void Dispose() => _layers.Dispose();

    internal static void Freeze(nn.Module model)
    {
        foreach (var p in model.parameters()) p.requires_grad = false;
    }

    internal static DType ToDType(ScalarType t) => t switch
    {
        ScalarType.Float32 => DType.F32,
        ScalarType.Float16 => DType.F16,
        ScalarType.BFloat16 => DType.BF16,
        ScalarType.Float64 => DType.F64,
        _ => throw new ArgumentException($"cannot adapt a {t} weight (f32, f16, bf16 or f64 only)", nameof(t)),
    };

    internal static BaseTensorFingerprint Fingerprint(string name, Tensor weight, bool hash)
    {
        ulong? contentHash = null;
        if (hash)
        {
            using var scope = NewDisposeScope();
            // Hash the raw little-endian bytes of the tensor as the checkpoint stores them.
            var bytes = weight.detach().cpu().contiguous().bytes;
            contentHash = XxHash3.HashToUInt64(bytes);
        }
        return new BaseTensorFingerprint(name, weight.shape.ToArray(), ToDType(weight.dtype), contentHash);
    }

    private static BaseTensorFingerprint Fingerprint(SafetensorsCheckpoint checkpoint, ShiraLayer layer, bool hash)
    {
        if (!checkpoint.TryGetTensor(layer.TensorName, out var file, out var tensor))
            throw ShiraErrors.BaseTensorMissing($"adapted tensor '{layer.TensorName}' is not in the base checkpoint", checkpoint.Path, layer.TensorName);
        if (tensor.Shape.Count != 2 || tensor.Shape[0] != layer.Mask.Rows || tensor.Shape[1] != layer.Mask.Cols)
            throw ShiraErrors.BaseShapeMismatch($"'{layer.TensorName}' is [{string.Join(", ", tensor.Shape)}] in the base checkpoint, the model has [{layer.Mask.Rows}, {layer.Mask.Cols}]",
                file.FilePath, layer.TensorName);
        ulong? contentHash = hash ? XxHash3.HashToUInt64(file.GetBytes(tensor)) : null;
        return new BaseTensorFingerprint(layer.TensorName, tensor.Shape.ToArray(), tensor.DType, contentHash);
    }

    private static Dictionary<string, float[]> AccumulateGradients(
        IReadOnlyList<(string Name, Linear Module)> targets, Func<int, Tensor> calibrationLoss, int batches)
    {
        if (batches <= 0) throw new ArgumentOutOfRangeException(nameof(batches), $"calibration needs at least one batch, got {batches}");
        var sums = new Dictionary<string, Tensor>(StringComparer.Ordinal);
        try
        {
            foreach (var (name, linear) in targets)
            {
                linear.weight!.requires_grad = true;
                sums[name] = zeros_like(linear.weight!, dtype: ScalarType.Float32);
            }
            for (int b = 0; b < batches; b++)
            {
                using var scope = NewDisposeScope();
                var loss = calibrationLoss(b);
                loss.backward();
                using (no_grad())
                {
                    foreach (var (name, linear) in targets)
                    {
                        var g = linear.weight!.grad;
                        if (g is null) continue;
                        sums[name].add_(g.abs().to(ScalarType.Float32));
                        g.zero_();
                    }
                }
            }
            var result = new Dictionary<string, float[]>(StringComparer.Ordinal);
            foreach (var (name, sum) in sums) result[name] = sum.cpu().contiguous().data<float>().ToArray();
            return result;
        }
        finally
        {
            foreach (var (_, linear) in targets)
            {
                linear.weight!.grad?.Dispose();
                linear.weight!.grad = null;
                linear.weight!.requires_grad = false;
            }
            foreach (var s in sums.Values) s.Dispose();
        }
    }
}
