using Shira.Testing;
using Shira.Training.Models;
using static TorchSharp.torch;

namespace Shira.Training.Tests.Models;

public sealed class TinyBaseCacheTests
{
    private static readonly LlamaConfig Tiny = new() { VocabSize = 30, HiddenSize = 16, IntermediateSize = 24, NumHiddenLayers = 1, NumAttentionHeads = 2, NumKeyValueHeads = 2 };

    private static string Key(string steps) => TinyBaseCache.Key(Tiny, [new("steps", steps), new("seed", "1")]);

    [Fact]
    public void Second_run_loads_the_cached_base_instead_of_pretraining()
    {
        using var dir = new TempDir();
        int created = 0;
        LlamaForCausalLM Create() { created++; return new LlamaForCausalLM(Tiny, seed: 11); }
        using var first = TinyBaseCache.GetOrCreate(dir.Path, Key("10"), Tiny, Create, out bool hit1);
        using var second = TinyBaseCache.GetOrCreate(dir.Path, Key("10"), Tiny, Create, out bool hit2);
        Assert.False(hit1);
        Assert.True(hit2);
        Assert.Equal(1, created);
        Assert.Equal(LlamaCheckpoint.Snapshot(first).Select(t => t.Bytes), LlamaCheckpoint.Snapshot(second).Select(t => t.Bytes));
        // Other parameters are another entry.
        using var third = TinyBaseCache.GetOrCreate(dir.Path, Key("20"), Tiny, Create, out bool hit3);
        Assert.False(hit3);
        Assert.Equal(2, created);
        Assert.Empty(Directory.GetFiles(dir.Path, "*.tmp"));
    }

    [Theory]
    [InlineData("truncate")]
    [InlineData("flip")]
    [InlineData("garbage")]
    public void A_corrupt_entry_is_rebuilt(string damage)
    {
        using var dir = new TempDir();
        int created = 0;
        LlamaForCausalLM Create() { created++; return new LlamaForCausalLM(Tiny, seed: 11); }
        TinyBaseCache.GetOrCreate(dir.Path, Key("10"), Tiny, Create, out _).Dispose();
        var path = TinyBaseCache.EntryPath(dir.Path, Key("10"));
        var bytes = File.ReadAllBytes(path);
        switch (damage)
        {
            case "truncate": File.WriteAllBytes(path, bytes[..(bytes.Length / 2)]); break;
            case "flip": bytes[^7] ^= 0x40; File.WriteAllBytes(path, bytes); break;
            default: File.WriteAllText(path, "not a safetensors file"); break;
        }
        using var rebuilt = TinyBaseCache.GetOrCreate(dir.Path, Key("10"), Tiny, Create, out bool hit);
        Assert.False(hit);
        Assert.Equal(2, created);
        using var again = TinyBaseCache.GetOrCreate(dir.Path, Key("10"), Tiny, Create, out bool hitAgain);
        Assert.True(hitAgain); // the rebuilt entry is good
        Assert.Equal(2, created);
    }

    [Fact]
    public void No_directory_means_no_cache_and_the_key_names_the_code_version()
    {
        int created = 0;
        TinyBaseCache.GetOrCreate(null, Key("1"), Tiny, () => { created++; return new LlamaForCausalLM(Tiny); }, out bool hit).Dispose();
        Assert.False(hit);
        Assert.Equal(1, created);
        Assert.Contains(TinyBaseCache.CodeVersion, Key("1"), StringComparison.Ordinal);
        Assert.NotEqual(TinyBaseCache.EntryPath("/c", Key("1")), TinyBaseCache.EntryPath("/c", Key("2")));
    }
}
