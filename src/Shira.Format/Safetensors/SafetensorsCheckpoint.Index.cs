using System.IO.MemoryMappedFiles;
using System.Text;
using System.Text.Json;

namespace Shira.Format.Safetensors;

public sealed partial class SafetensorsCheckpoint
{
    /// <summary>Opens a sharded checkpoint from its <c>*.safetensors.index.json</c>: every name in <c>weight_map</c>
    /// must be in the shard it names, shard paths stay inside the index's folder, and no tensor is in two shards.</summary>
    private static SafetensorsCheckpoint OpenIndex(string givenPath, string indexPath, SafetensorsOptions? options,
        MemoryMappedFileAccess access)
    {
        long cap = (options ?? SafetensorsOptions.Default).MaxHeaderBytes;
        byte[] json;
        IO.RegularFile.Check(indexPath);
        try
        {
            using var fs = new FileStream(indexPath, FileMode.Open, FileAccess.Read, FileShare.Read, bufferSize: 1);
            if (fs.Length > cap)
                throw BadIndex($"the index is {fs.Length} bytes, over the limit of {cap}", indexPath, 0);
            json = new byte[fs.Length];
            fs.ReadExactly(json);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw ShiraErrors.IoError(indexPath, ex.Message, ex);
        }

        var (weightMap, metadata) = ParseIndex(json, indexPath);
        string folder = System.IO.Path.GetFullPath(System.IO.Path.GetDirectoryName(System.IO.Path.GetFullPath(indexPath)) ?? ".");
        string folderPrefix = folder.EndsWith(System.IO.Path.DirectorySeparatorChar) ? folder : folder + System.IO.Path.DirectorySeparatorChar;

        // Shards in order of first appearance in weight_map; "a.safetensors" and "./a.safetensors" are one shard.
        var shardOrder = new List<string>();
        var shardIndex = new Dictionary<string, int>(StringComparer.Ordinal); // as written → position in shardOrder
        foreach (var (_, shard, at) in weightMap)
        {
            if (shardIndex.ContainsKey(shard)) continue;
            if (shard.Length == 0 || System.IO.Path.IsPathRooted(shard) || shard.Contains('\0', StringComparison.Ordinal))
                throw BadIndex($"shard path '{shard}' must be a file name relative to the index's folder", indexPath, at);
            string full = System.IO.Path.GetFullPath(System.IO.Path.Combine(folder, shard));
            if (!full.StartsWith(folderPrefix, StringComparison.Ordinal))
                throw BadIndex($"shard path '{shard}' leaves the index's folder", indexPath, at);
            if (!File.Exists(full))
                throw BadIndex($"shard '{shard}' named in the index does not exist", indexPath, at);
            int position = shardOrder.IndexOf(full);
            if (position < 0)
            {
                position = shardOrder.Count;
                shardOrder.Add(full);
            }
            shardIndex.Add(shard, position);
        }

        var files = new SafetensorsFile[shardOrder.Count];
        int opened = 0;
        try
        {
            for (; opened < files.Length; opened++) files[opened] = SafetensorsFile.OpenMapped(shardOrder[opened], options, access);
            foreach (var (name, shard, at) in weightMap)
            {
                var file = files[shardIndex[shard]];
                if (!file.TryGetTensor(name, out _))
                    throw BadIndex($"the index puts tensor '{name}' in '{shard}', which does not hold it", indexPath, at, name);
            }
            return FromShards(givenPath, indexPath, metadata, files);
        }
        catch
        {
            for (int i = 0; i < opened; i++) files[i].Dispose();
            throw;
        }
    }

    private static (List<(string Name, string Shard, long At)> WeightMap, Dictionary<string, string> Metadata) ParseIndex(byte[] json, string indexPath)
    {
        var weightMap = new List<(string, string, long)>();
        var metadata = new Dictionary<string, string>(StringComparer.Ordinal);
        var reader = new Utf8JsonReader(json, new JsonReaderOptions { MaxDepth = 64 });
        bool haveMap = false;
        try
        {
            if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
                throw BadIndex("the index is not a JSON object", indexPath, reader.TokenStartIndex);
            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                string key = reader.GetString()!;
                long keyAt = reader.TokenStartIndex;
                reader.Read();
                if (key == "weight_map")
                {
                    if (haveMap) throw BadIndex("'weight_map' appears twice", indexPath, keyAt);
                    haveMap = true;
                    if (reader.TokenType != JsonTokenType.StartObject)
                        throw BadIndex("'weight_map' is not an object", indexPath, reader.TokenStartIndex);
                    var seen = new HashSet<string>(StringComparer.Ordinal);
                    while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
                    {
                        long at = reader.TokenStartIndex;
                        string name = reader.GetString()!;
                        reader.Read();
                        if (reader.TokenType != JsonTokenType.String)
                            throw BadIndex($"the shard of tensor '{name}' is not a string", indexPath, reader.TokenStartIndex, name);
                        if (!seen.Add(name))
                        {
                            throw ShiraErrors.SafetensorsDuplicateTensor($"tensor '{name}' appears twice in the index's weight_map", indexPath, name, at);
                        }
                        weightMap.Add((name, reader.GetString()!, at));
                    }
                }
                else if (key == "metadata" && reader.TokenType == JsonTokenType.StartObject)
                {
                    while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
                    {
                        string mk = reader.GetString()!;
                        reader.Read();
                        metadata[mk] = ScalarText(ref reader, json);
                    }
                }
                else
                {
                    reader.Skip();
                }
            }
            if (reader.Read()) throw BadIndex("unexpected data after the index object", indexPath, reader.TokenStartIndex);
        }
        catch (JsonException ex)
        {
            throw BadIndex("the index is not valid JSON: " + ex.Message, indexPath, reader.TokenStartIndex);
        }
        catch (InvalidOperationException ex)
        {
            throw BadIndex("the index holds an invalid string: " + ex.Message, indexPath, reader.TokenStartIndex);
        }
        if (!haveMap) throw BadIndex("the index has no 'weight_map'", indexPath, 0);
        return (weightMap, metadata);
    }

    /// <summary>A metadata value as text: strings unquoted, anything else as its JSON source.</summary>
    private static string ScalarText(ref Utf8JsonReader reader, byte[] json)
    {
        if (reader.TokenType == JsonTokenType.String) return reader.GetString()!;
        long start = reader.TokenStartIndex;
        reader.Skip();
        long end = reader.TokenType is JsonTokenType.EndObject or JsonTokenType.EndArray
            ? reader.TokenStartIndex + 1
            : reader.TokenStartIndex + reader.ValueSpan.Length;
        return Encoding.UTF8.GetString(json, (int)start, (int)(end - start));
    }

    private static ShiraException BadIndex(string message, string file, long offset, string? tensor = null) =>
        ShiraErrors.SafetensorsBadIndex(message, file, tensor, offset);
}
