using System.IO.MemoryMappedFiles;

namespace Shira.Format.Safetensors;

/// <summary>
/// A model checkpoint: one safetensors file, or a folder of shards with <c>model.safetensors.index.json</c>
/// (any <c>*.safetensors.index.json</c>), or a folder holding a single <c>*.safetensors</c>. Tensor names are
/// unique across shards.
/// </summary>
public sealed partial class SafetensorsCheckpoint : IDisposable
{
    private readonly SafetensorsFile[] _files;
    private readonly Dictionary<string, (SafetensorsFile File, SafetensorsTensorInfo Tensor)> _byName;
    private bool _disposed;

    private SafetensorsCheckpoint(string path, string? indexPath, IReadOnlyDictionary<string, string> indexMetadata,
        SafetensorsFile[] files, Dictionary<string, (SafetensorsFile, SafetensorsTensorInfo)> byName)
    {
        Path = path;
        IndexPath = indexPath;
        IndexMetadata = indexMetadata;
        _files = files;
        _byName = byName;
        Files = Array.AsReadOnly(files);
        var names = new string[byName.Count];
        byName.Keys.CopyTo(names, 0);
        Array.Sort(names, StringComparer.Ordinal);
        TensorNames = Array.AsReadOnly(names);
    }

    /// <summary>Opens a file, an index JSON, or a folder.</summary>
    public static SafetensorsCheckpoint Open(string path, SafetensorsOptions? options = null) =>
        OpenMapped(path, options, MemoryMappedFileAccess.Read);

    /// <summary>Opens with the given map access: the runtime maps a base's shards copy-on-write or read-write here,
    /// so each shard is mapped and its header parsed once.</summary>
    internal static SafetensorsCheckpoint OpenMapped(string path, SafetensorsOptions? options, MemoryMappedFileAccess access)
    {
        ArgumentNullException.ThrowIfNull(path);
        if (Directory.Exists(path)) return OpenFolder(path, options, access);
        if (!File.Exists(path))
            throw ShiraErrors.IoError(path, "it does not exist");
        if (path.EndsWith(".json", StringComparison.OrdinalIgnoreCase)) return OpenIndex(path, path, options, access);
        return OpenSingle(path, path, options, access);
    }

    private static SafetensorsCheckpoint OpenSingle(string givenPath, string file, SafetensorsOptions? options, MemoryMappedFileAccess access)
    {
        var opened = SafetensorsFile.OpenMapped(file, options, access);
        try
        {
            return FromShards(givenPath, null, null, [opened]);
        }
        catch
        {
            opened.Dispose();
            throw;
        }
    }

    /// <summary>The path given to <see cref="Open"/>.</summary>
    public string Path { get; }

    /// <summary>The index JSON when the checkpoint is sharded, else null.</summary>
    public string? IndexPath { get; }

    /// <summary>The index's <c>metadata</c> object flattened to strings (e.g. <c>total_size</c>); empty when not sharded.</summary>
    public IReadOnlyDictionary<string, string> IndexMetadata { get; }

    /// <summary>The shard files, in index order (one for a single file).</summary>
    public IReadOnlyList<SafetensorsFile> Files { get; }

    /// <summary>All tensor names, ordinal-sorted.</summary>
    public IReadOnlyList<string> TensorNames { get; }

    /// <summary>Finds a tensor and the shard holding it.</summary>
    public bool TryGetTensor(string name, out SafetensorsFile file, out SafetensorsTensorInfo tensor)
    {
        ArgumentNullException.ThrowIfNull(name);
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (_byName.TryGetValue(name, out var hit))
        {
            (file, tensor) = hit;
            return true;
        }
        file = null!;
        tensor = null!;
        return false;
    }

    /// <summary>Finds a tensor (throws <see cref="ShiraErrorCode.SafetensorsTensorNotFound"/>).</summary>
    public SafetensorsTensorInfo GetTensor(string name, out SafetensorsFile file) =>
        TryGetTensor(name, out file, out var tensor) ? tensor
            : throw ShiraErrors.SafetensorsTensorNotFound($"no tensor '{name}' in the checkpoint", Path, name);

    /// <summary>The tensor's bytes (throws when missing).</summary>
    public ReadOnlySpan<byte> GetBytes(string name)
    {
        var tensor = GetTensor(name, out var file);
        return file.GetBytes(tensor);
    }

    /// <summary>Reads a tensor widened to f32 (see <see cref="SafetensorsFile.ReadSingles(string)"/>).</summary>
    public float[] ReadSingles(string name)
    {
        var tensor = GetTensor(name, out var file);
        return file.ReadSingles(tensor);
    }

    /// <inheritdoc />
    public void Dispose()
    {
        if (_disposed) return;
        _disposed = true;
        foreach (var f in _files) f.Dispose();
    }

    private static SafetensorsCheckpoint OpenFolder(string folder, SafetensorsOptions? options, MemoryMappedFileAccess access)
    {
        var indexes = Directory.GetFiles(folder, "*.safetensors.index.json");
        if (indexes.Length == 1) return OpenIndex(folder, indexes[0], options, access);
        if (indexes.Length > 1)
        {
            // transformers' own name wins; anything else is ambiguous.
            string preferred = System.IO.Path.Combine(folder, "model.safetensors.index.json");
            if (File.Exists(preferred)) return OpenIndex(folder, preferred, options, access);
            Array.Sort(indexes, StringComparer.Ordinal);
            throw ShiraErrors.SafetensorsBadIndex($"the folder holds several shard indexes ({string.Join(", ", indexes.Select(System.IO.Path.GetFileName))}); pass one of them", folder);
        }
        var files = Directory.GetFiles(folder, "*.safetensors");
        if (files.Length == 1) return OpenSingle(folder, files[0], options, access);
        Array.Sort(files, StringComparer.Ordinal);
        throw ShiraErrors.SafetensorsBadIndex(files.Length == 0
                ? "the folder holds no .safetensors file and no *.safetensors.index.json"
                : $"the folder holds {files.Length} .safetensors files ({string.Join(", ", files.Select(System.IO.Path.GetFileName))}) but no *.safetensors.index.json; pass the file to use",
            folder);
    }

    private static SafetensorsCheckpoint FromShards(string path, string? indexPath, IReadOnlyDictionary<string, string>? indexMetadata, SafetensorsFile[] files)
    {
        var byName = new Dictionary<string, (SafetensorsFile, SafetensorsTensorInfo)>(StringComparer.Ordinal);
        foreach (var f in files)
        {
            foreach (var t in f.Tensors)
            {
                if (!byName.TryAdd(t.Name, (f, t)))
                {
                    throw ShiraErrors.SafetensorsDuplicateTensor($"tensor '{t.Name}' is in both '{byName[t.Name].Item1.FilePath}' and '{f.FilePath}'", f.FilePath, t.Name,
                        f.Header.DataStart + t.Begin);
                }
            }
        }
        return new SafetensorsCheckpoint(path, indexPath,
            indexMetadata ?? new Dictionary<string, string>(StringComparer.Ordinal), files, byName);
    }
}
