using System.Text.Json;
using Shira.Format.Safetensors;
using Shira.Testing;

namespace Shira.Format.Tests.Safetensors;

public class SafetensorsCheckpointTests
{
    private static byte[] Bytes(string name, int count) =>
        Enumerable.Range(0, count).Select(i => (byte)(name.Length * 31 + i)).ToArray();

    /// <summary>Writes shards (each a list of U8 tensors of the given sizes) and an index mapping every name to its shard.</summary>
    private static void WriteSharded(string folder, (string File, (string Name, int Size)[] Tensors)[] shards,
        string indexName = "model.safetensors.index.json", Action<Dictionary<string, string>>? editMap = null)
    {
        var map = new Dictionary<string, string>();
        foreach (var (file, tensors) in shards)
        {
            SafetensorsWriter.WriteFile(Path.Combine(folder, file),
                tensors.Select(t => SafetensorsTensorSource.FromBytes(t.Name, DType.U8, [t.Size], Bytes(t.Name, t.Size))).ToList(),
                new Dictionary<string, string> { ["format"] = "pt" });
            foreach (var t in tensors) map[t.Name] = file;
        }
        editMap?.Invoke(map);
        var index = new { metadata = new { total_size = shards.Sum(s => s.Tensors.Sum(t => t.Size)) }, weight_map = map };
        File.WriteAllText(Path.Combine(folder, indexName), JsonSerializer.Serialize(index));
    }

    private static readonly (string, (string, int)[])[] ThreeShards =
    [
        ("model-00001-of-00003.safetensors", [("embed.weight", 6), ("layers.0.w", 3)]),
        ("model-00002-of-00003.safetensors", [("layers.1.w", 4)]),
        ("model-00003-of-00003.safetensors", [("a.first", 2), ("lm_head.weight", 5)]),
    ];

    private static ShiraException Fails(string path, ShiraErrorCode code)
    {
        var ex = Assert.Throws<ShiraException>(() => SafetensorsCheckpoint.Open(path));
        Assert.Equal(code, ex.Code);
        return ex;
    }

    [Fact]
    public void Sharded_checkpoint_round_trips_from_the_folder_and_from_the_index()
    {
        using var dir = new TempDir();
        WriteSharded(dir.Path, ThreeShards);
        foreach (var path in new[] { dir.Path, dir.File("model.safetensors.index.json") })
        {
            using var ck = SafetensorsCheckpoint.Open(path);
            Assert.Equal(path, ck.Path);
            Assert.Equal(dir.File("model.safetensors.index.json"), ck.IndexPath);
            Assert.Equal(["a.first", "embed.weight", "layers.0.w", "layers.1.w", "lm_head.weight"], ck.TensorNames);
            Assert.Equal(ThreeShards.Select(s => s.Item1), ck.Files.Select(f => Path.GetFileName(f.FilePath)));
            Assert.Equal("20", ck.IndexMetadata["total_size"]);
            foreach (var (file, tensors) in ThreeShards)
            {
                foreach (var (name, size) in tensors)
                {
                    Assert.True(ck.TryGetTensor(name, out var shard, out var info));
                    Assert.Equal(file, Path.GetFileName(shard.FilePath));
                    Assert.Equal([size], info.Shape);
                    Assert.Equal(Bytes(name, size), ck.GetBytes(name).ToArray());
                    Assert.Equal(Bytes(name, size).Select(b => (float)b), ck.ReadSingles(name));
                }
            }
            Assert.False(ck.TryGetTensor("nope", out _, out _));
            Assert.Equal(ShiraErrorCode.SafetensorsTensorNotFound, Assert.Throws<ShiraException>(() => ck.GetBytes("nope")).Code);
        }
    }

    [Fact]
    public void Single_file_and_folder_with_one_file()
    {
        using var dir = new TempDir();
        string path = dir.File("model.safetensors");
        SafetensorsWriter.WriteFile(path, [SafetensorsTensorSource.FromBytes("w", DType.U8, [2], new byte[] { 4, 5 })]);
        File.WriteAllText(dir.File("config.json"), "{}");
        foreach (var p in new[] { path, dir.Path })
        {
            using var ck = SafetensorsCheckpoint.Open(p);
            Assert.Equal(p, ck.Path);
            Assert.Null(ck.IndexPath);
            Assert.Equal(path, Assert.Single(ck.Files).FilePath);
            Assert.Equal(["w"], ck.TensorNames);
            Assert.Equal([4, 5], ck.GetBytes("w").ToArray());
            Assert.Empty(ck.IndexMetadata);
        }
    }

    [Fact]
    public void Folder_without_weights_is_refused()
    {
        using var dir = new TempDir();
        Fails(dir.Path, ShiraErrorCode.SafetensorsBadIndex);
    }

    [Fact]
    public void Folder_with_several_files_and_no_index_is_refused()
    {
        using var dir = new TempDir();
        SafetensorsWriter.WriteFile(dir.File("a.safetensors"), []);
        SafetensorsWriter.WriteFile(dir.File("b.safetensors"), []);
        Assert.Contains("a.safetensors", Fails(dir.Path, ShiraErrorCode.SafetensorsBadIndex).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Missing_path_is_an_io_error()
    {
        using var dir = new TempDir();
        Fails(dir.File("none"), ShiraErrorCode.IoError);
    }

    [Fact]
    public void Index_naming_a_missing_shard_is_refused()
    {
        using var dir = new TempDir();
        WriteSharded(dir.Path, ThreeShards, editMap: m => m["layers.1.w"] = "model-00009-of-00003.safetensors");
        var ex = Fails(dir.Path, ShiraErrorCode.SafetensorsBadIndex);
        Assert.Contains("model-00009-of-00003.safetensors", ex.Message, StringComparison.Ordinal);
        Assert.NotNull(ex.Offset);
    }

    [Fact]
    public void Index_naming_a_tensor_its_shard_lacks_is_refused()
    {
        using var dir = new TempDir();
        WriteSharded(dir.Path, ThreeShards, editMap: m => m["ghost"] = "model-00002-of-00003.safetensors");
        Assert.Equal("ghost", Fails(dir.Path, ShiraErrorCode.SafetensorsBadIndex).Tensor);
    }

    [Fact]
    public void Index_pointing_a_tensor_at_the_wrong_shard_is_refused()
    {
        using var dir = new TempDir();
        WriteSharded(dir.Path, ThreeShards, editMap: m => m["layers.1.w"] = "model-00001-of-00003.safetensors");
        Assert.Equal("layers.1.w", Fails(dir.Path, ShiraErrorCode.SafetensorsBadIndex).Tensor);
    }

    [Theory]
    [InlineData("../outside.safetensors")]
    [InlineData("sub/../../outside.safetensors")]
    [InlineData("/etc/passwd")]
    [InlineData("")]
    public void Shard_paths_leaving_the_folder_are_refused(string shard)
    {
        using var dir = new TempDir();
        string inner = Path.Combine(dir.Path, "ck");
        Directory.CreateDirectory(inner);
        Directory.CreateDirectory(Path.Combine(inner, "sub"));
        SafetensorsWriter.WriteFile(Path.Combine(dir.Path, "outside.safetensors"), [SafetensorsTensorSource.FromBytes("x", DType.U8, [1], new byte[1])]);
        WriteSharded(inner, ThreeShards, editMap: m => m["x"] = shard);
        Fails(inner, ShiraErrorCode.SafetensorsBadIndex);
    }

    [Fact]
    public void Shard_in_a_subfolder_is_allowed()
    {
        using var dir = new TempDir();
        Directory.CreateDirectory(dir.File("shards"));
        WriteSharded(dir.Path, [("shards/part1.safetensors", [("w", 2)])]);
        using var ck = SafetensorsCheckpoint.Open(dir.Path);
        Assert.Equal(["w"], ck.TensorNames);
    }

    [Fact]
    public void Two_spellings_of_one_shard_are_one_shard()
    {
        using var dir = new TempDir();
        WriteSharded(dir.Path, [("a.safetensors", [("w", 2), ("v", 1)])], editMap: m => m["v"] = "./a.safetensors");
        using var ck = SafetensorsCheckpoint.Open(dir.Path);
        Assert.Single(ck.Files);
        Assert.Equal(["v", "w"], ck.TensorNames);
    }

    [Fact]
    public void Tensor_in_two_shards_is_refused()
    {
        using var dir = new TempDir();
        WriteSharded(dir.Path,
        [
            ("a.safetensors", [("w", 2), ("dup", 1)]),
            ("b.safetensors", [("dup", 1), ("v", 1)]),
        ]);
        var ex = Fails(dir.Path, ShiraErrorCode.SafetensorsDuplicateTensor);
        Assert.Equal("dup", ex.Tensor);
    }

    [Fact]
    public void Duplicate_name_in_the_weight_map_is_refused()
    {
        using var dir = new TempDir();
        WriteSharded(dir.Path, [("a.safetensors", [("w", 2)])]);
        File.WriteAllText(dir.File("model.safetensors.index.json"),
            """{"weight_map":{"w":"a.safetensors","w":"a.safetensors"}}""");
        Assert.Equal("w", Fails(dir.Path, ShiraErrorCode.SafetensorsDuplicateTensor).Tensor);
    }

    [Theory]
    [InlineData("")]
    [InlineData("[]")]
    [InlineData("{\"metadata\":{}}")]
    [InlineData("{\"weight_map\":[]}")]
    [InlineData("{\"weight_map\":{\"w\":1}}")]
    [InlineData("{\"weight_map\":{\"w\":\"a.safetensors\"}")]
    [InlineData("{\"weight_map\":{\"w\":\"a.safetensors\"}} x")]
    [InlineData("{\"weight_map\":{},\"weight_map\":{}}")]
    public void Malformed_index_is_refused(string json)
    {
        using var dir = new TempDir();
        WriteSharded(dir.Path, [("a.safetensors", [("w", 2)])]);
        File.WriteAllText(dir.File("model.safetensors.index.json"), json);
        Fails(dir.File("model.safetensors.index.json"), ShiraErrorCode.SafetensorsBadIndex);
    }

    [Fact]
    public void Bad_shard_fails_with_its_own_error()
    {
        using var dir = new TempDir();
        WriteSharded(dir.Path, ThreeShards);
        File.WriteAllBytes(dir.File("model-00003-of-00003.safetensors"), new byte[3]);
        var ex = Fails(dir.Path, ShiraErrorCode.SafetensorsTooSmall);
        Assert.EndsWith("model-00003-of-00003.safetensors", ex.FilePath, StringComparison.Ordinal);
    }

    [Fact]
    public void Disposed_checkpoint_refuses_access()
    {
        using var dir = new TempDir();
        WriteSharded(dir.Path, ThreeShards);
        var ck = SafetensorsCheckpoint.Open(dir.Path);
        ck.Dispose();
        Assert.Throws<ObjectDisposedException>(() => ck.TryGetTensor("a.first", out _, out _));
    }
}
