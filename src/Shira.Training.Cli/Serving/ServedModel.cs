using System.Diagnostics;
using Shira.Format;
using Shira.Format.Container;
using Shira.Format.Safetensors;
using Shira.Runtime;
using Shira.Training.Models;
using Shira.Training.Tokenization;

namespace Shira.Training.Cli.Serving;

/// <summary>
/// A base opened by the runtime in <see cref="BaseOpenMode.Memory"/> mode, with a TorchSharp model fed from those
/// very bytes. Adapters are applied and switched by the runtime (<see cref="BaseModel.Apply"/>,
/// <see cref="BaseModel.Switch"/>), and the touched tensors are copied into the model afterwards, so what is
/// generated or evaluated is exactly the merged weights a runtime would serve.
/// </summary>
internal sealed class ServedModel : IDisposable
{
    private readonly BaseModel _base;
    private readonly LlamaWeights _weights;
    private IReadOnlyList<string> _adapterTensors = [];

    private ServedModel(BaseModel @base, LlamaForCausalLM model, TextTokenizer tokenizer)
    {
        _base = @base;
        Model = model;
        Tokenizer = tokenizer;
        _weights = new LlamaWeights(model);
    }

    public LlamaForCausalLM Model { get; }
    public TextTokenizer Tokenizer { get; }
    public string Path => _base.Path;

    /// <summary>Opens <paramref name="basePath"/> and its tokenizer (<paramref name="tokenizerPath"/>, else the
    /// checkpoint's own files, else byte-level for the tiny model).</summary>
    public static ServedModel Open(string basePath, string? tokenizerPath)
    {
        LlamaConfig config;
        using (var checkpoint = SafetensorsCheckpoint.Open(basePath)) config = LlamaCheckpoint.ReadConfig(checkpoint, basePath);
        var tokenizer = tokenizerPath is not null ? TokenizerLoader.Load(tokenizerPath)
            : TokenizerLoader.ForCheckpoint(basePath) ?? ByteLevelTokenizer.Instance;
        if (tokenizer.VocabSize > config.VocabSize)
        {
            throw ShiraErrors.TokenizerVocabularyMismatch($"the tokenizer ({tokenizer.Kind}) has {tokenizer.VocabSize} ids, the model only {config.VocabSize} embeddings" +
                (tokenizerPath is null ? "; pass the model's tokenizer with --tokenizer" : ""), basePath);
        }
        var @base = BaseModel.Open(basePath, BaseOpenMode.Memory);
        LlamaForCausalLM? model = null;
        try
        {
            model = new LlamaForCausalLM(config);
            var served = new ServedModel(@base, model, tokenizer);
            served.Refresh(served._weights.Names);
            return served;
        }
        catch
        {
            model?.Dispose();
            @base.Dispose();
            throw;
        }
    }

    /// <summary>Makes <paramref name="adapter"/> (at <paramref name="scale"/>) the one applied: apply when none is,
    /// else switch. Returns the runtime's time and the time to copy the touched tensors into the model.</summary>
    public (TimeSpan Runtime, TimeSpan Refresh) Use(string adapter, float scale)
    {
        using var reader = ShiraReader.Open(adapter);
        var clock = Stopwatch.StartNew();
        if (_base.Applied.Count == 0) _base.Apply(reader, scale);
        else _base.Switch(reader, scale);
        var runtime = clock.Elapsed;
        var names = new List<string>();
        foreach (var t in reader.Tensors) names.Add(t.Name);
        clock.Restart();
        Refresh(_adapterTensors.Concat(names).Distinct(StringComparer.Ordinal));
        _adapterTensors = names;
        return (runtime, clock.Elapsed);
    }

    /// <summary>Reverts the applied adapter (if any) so the plain base is served again.</summary>
    public void UseBase()
    {
        if (_base.Applied.Count == 0) return;
        _base.Revert();
        Refresh(_adapterTensors);
        _adapterTensors = [];
    }

    private void Refresh(IEnumerable<string> names)
    {
        foreach (var name in names)
        {
            if (!_weights.Contains(name)) continue; // an adapter tensor the model does not use (checked by the runtime)
            var t = _base.GetTensor(name);
            _weights.Copy(name, t.DType, t.Shape, t.Bytes, _base.Path);
        }
    }

    public void Dispose()
    {
        Model.Dispose();
        _base.Dispose();
    }
}
