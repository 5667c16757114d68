using Shira.Format;
using Shira.Format.Safetensors;
using Shira.Runtime.Journal;
using Shira.Runtime.Mapping;

namespace Shira.Runtime;

public sealed partial class BaseModel
{
    private readonly MappedShard[] _shards;
    private readonly Dictionary<string, BaseTensor> _tensors;
    private readonly List<AppliedAdapter> _applied = [];
    private readonly BaseModelOptions _options;
    private readonly JournalStore _journal;
    private BaseLock? _lock;
    private bool _disposed;

    private BaseModel(string path, BaseOpenMode mode, BaseModelOptions options, MappedShard[] shards,
        Dictionary<string, BaseTensor> tensors)
    {
        Path = path;
        Mode = mode;
        _options = options;
        _shards = shards;
        _tensors = tensors;
        var names = tensors.Keys.ToArray();
        Array.Sort(names, StringComparer.Ordinal);
        TensorNames = names;
        _journal = new JournalStore(JournalStore.PathFor(path));
    }

    /// <summary>What the last automatic recovery did when this model was opened in place (null otherwise).</summary>
    internal RecoveryResult? OpenRecovery { get; private set; }

    /// <summary>Opens <paramref name="path"/>: a <c>.safetensors</c> file, a <c>*.safetensors.index.json</c>, or a
    /// folder holding a sharded checkpoint. In <see cref="BaseOpenMode.InPlace"/> an interrupted operation found in
    /// the journal is rolled back first (see <see cref="BaseModelOptions.AutoRecover"/>) and adapters left applied by
    /// earlier processes appear on <see cref="Applied"/>; the other modes refuse a base with an interrupted journal
    /// (<see cref="ShiraErrorCode.RecoveryNeeded"/>).</summary>
    public static unsafe BaseModel Open(string path, BaseOpenMode mode, BaseModelOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(path);
        if (!Enum.IsDefined(mode)) throw new ArgumentOutOfRangeException(nameof(mode), $"unknown open mode {mode}");
        options ??= new BaseModelOptions();
        if (File.Exists(path) && !path.EndsWith(".json", StringComparison.OrdinalIgnoreCase))
            Shira.Format.IO.RegularFile.Check(path); // before the lock file is made beside it
        else if (!File.Exists(path) && !Directory.Exists(path))
            throw ShiraErrors.IoError(path, "it does not exist");
        // Writers exclusive, readers shared, both for the model's lifetime (see BaseLock): taken before the first map,
        // so that a reader never maps a base another process is patching, and two writers never interleave.
        var baseLock = mode == BaseOpenMode.InPlace ? BaseLock.AcquireExclusive(path) : BaseLock.AcquireShared(path);
        SafetensorsCheckpoint? checkpoint = null;
        MappedShard[] shards = [];
        BaseModel? model = null;
        bool ok = false;
        try
        {
            // A file, an index JSON or a folder: each shard is mapped with the mode's access and its header parsed
            // once (the checkpoint also checks the index against the shards and refuses a tensor held by two shards).
            checkpoint = SafetensorsCheckpoint.OpenMapped(path, options.Safetensors, MappedShard.AccessFor(mode));
            shards = new MappedShard[checkpoint.Files.Count];
            var tensors = new Dictionary<string, BaseTensor>(StringComparer.Ordinal);
            for (int s = 0; s < shards.Length; s++)
            {
                var shard = shards[s] = MappedShard.From(checkpoint.Files[s], mode);
                foreach (var t in shard.Header.Tensors)
                {
                    long offset = shard.Header.DataStart + t.Begin;
                    var bt = new BaseTensor(t.Name, t.DType, t.Shape, t.Numel, shard.Pointer + offset, t.ByteLength, s, offset);
                    if (!tensors.TryAdd(t.Name, bt))
                        throw ShiraErrors.SafetensorsDuplicateTensor($"tensor '{t.Name}' appears in two shards", shard.FilePath, t.Name);
                }
            }
            model = new BaseModel(path, mode, options, shards, tensors) { _lock = baseLock };
            baseLock = null;
            model.LoadJournal();
            ok = true;
            return model;
        }
        finally
        {
            if (!ok)
            {
                if (model is not null) model.Dispose();
                else foreach (var s in shards) s?.Dispose();
                checkpoint?.Dispose(); // the shards not taken over yet
                baseLock?.Dispose();
            }
        }
    }

    private void ThrowIfDisposed() => ObjectDisposedException.ThrowIf(_disposed, this);

    /// <inheritdoc />
    public void Dispose()
    {
        if (_disposed) return;
        _disposed = true;
        foreach (var s in _shards) s?.Dispose();
        _lock?.Dispose();
        _lock = null;
        foreach (var a in _applied)
            foreach (var t in a.Tensors) t.Release();
        _applied.Clear();
    }

    /// <summary>Writes the current weights (adapters included) to a new safetensors file, atomically; all tensors
    /// go into one file, with the first shard's <c>__metadata__</c>.</summary>
    public void SaveAs(string path)
    {
        ThrowIfDisposed();
        var sources = new List<SafetensorsTensorSource>();
        foreach (var shard in _shards)
            foreach (var t in shard.Header.Tensors)
            {
                var bt = _tensors[t.Name];
                sources.Add(new SafetensorsTensorSource(t.Name, t.DType, t.Shape, s => WriteTensor(bt, s)));
            }
        SafetensorsWriter.WriteFile(path, sources, _shards[0].Header.Metadata);
    }

    private static unsafe void WriteTensor(BaseTensor t, Stream s)
    {
        for (long done = 0; done < t.ByteLength;)
        {
            int n = (int)Math.Min(1 << 30, t.ByteLength - done);
            s.Write(new ReadOnlySpan<byte>(t.Data + done, n));
            done += n;
        }
    }
}
