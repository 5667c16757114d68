using System.Security.Cryptography;
using System.Text;
using Shira.Format;

namespace Shira.Training.Models;

/// <summary>
/// A cache of pretrained tiny bases, so <c>--init tiny</c> pretrains once per parameter set instead of on every
/// run. An entry is a safetensors file named by a hash of its key — the pretraining parameters and the code
/// version (the Shira.Training and TorchSharp assembly identities: deterministic builds change them exactly when
/// the code changes) — and records the full key in its metadata. Entries are written to a temp file and renamed
/// into place; an entry that does not open, holds another key or does not fit the model is deleted and rebuilt.
/// </summary>
public static class TinyBaseCache
{
    /// <summary>The <c>__metadata__</c> key holding an entry's cache key.</summary>
    public const string KeyMetadata = "shira.cache_key";

    /// <summary>The <c>__metadata__</c> key holding the SHA-256 of an entry's weights (detects flipped bytes the
    /// safetensors header cannot).</summary>
    public const string DigestMetadata = "shira.cache_sha256";

    /// <summary>Environment variable that overrides the cache folder (<c>off</c> disables the cache).</summary>
    public const string DirectoryVariable = "SHIRA_CACHE_DIR";

    /// <summary>The cache folder: <c>$SHIRA_CACHE_DIR</c>, else <c>$XDG_CACHE_HOME/shira</c>, else
    /// <c>~/.cache/shira</c>; null when <c>SHIRA_CACHE_DIR=off</c> or no home folder is known.</summary>
    public static string? DefaultDirectory
    {
        get
        {
            var overridden = Environment.GetEnvironmentVariable(DirectoryVariable);
            if (!string.IsNullOrEmpty(overridden)) return overridden == "off" ? null : overridden;
            var xdg = Environment.GetEnvironmentVariable("XDG_CACHE_HOME");
            if (!string.IsNullOrEmpty(xdg) && Path.IsPathRooted(xdg)) return Path.Combine(xdg, "shira");
            var home = Environment.GetFolderPath(Environment.SpecialFolder.UserProfile);
            return string.IsNullOrEmpty(home) ? null : Path.Combine(home, ".cache", "shira");
        }
    }

    /// <summary>The code version part of every key.</summary>
    public static string CodeVersion { get; } =
        typeof(TinyBaseCache).Assembly.ManifestModule.ModuleVersionId.ToString("N") + "/" +
        typeof(TorchSharp.torch).Assembly.GetName().Version;

    /// <summary>Builds a key from the config and the pretraining parameters (name=value pairs, in order).</summary>
    public static string Key(LlamaConfig config, IEnumerable<KeyValuePair<string, string>> parameters)
    {
        ArgumentNullException.ThrowIfNull(config);
        ArgumentNullException.ThrowIfNull(parameters);
        var sb = new StringBuilder("tiny-base/v1;code=").Append(CodeVersion).Append(";config=").Append(config.ToJson().ReplaceLineEndings(""));
        foreach (var (k, v) in parameters) sb.Append(';').Append(k).Append('=').Append(v);
        return sb.ToString();
    }

    /// <summary>The entry file of <paramref name="key"/> in <paramref name="directory"/>.</summary>
    public static string EntryPath(string directory, string key)
    {
        ArgumentNullException.ThrowIfNull(directory);
        ArgumentNullException.ThrowIfNull(key);
        var hash = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(key)))[..24];
        return Path.Combine(directory, "tiny-base-" + hash + ".safetensors");
    }

    /// <summary>
    /// The cached model for <paramref name="key"/>, or a new one from <paramref name="create"/> (then stored).
    /// <paramref name="hit"/> tells which. With a null <paramref name="directory"/> nothing is cached. A cache
    /// that cannot be written (read-only, disk full) only costs the next run the pretraining again.
    /// </summary>
    public static LlamaForCausalLM GetOrCreate(string? directory, string key, LlamaConfig config, Func<LlamaForCausalLM> create, out bool hit)
    {
        ArgumentNullException.ThrowIfNull(create);
        hit = false;
        if (directory is null) return create();
        var path = EntryPath(directory, key);
        if (File.Exists(path))
        {
            var model = TryLoad(path, key, config);
            if (model is not null)
            {
                hit = true;
                return model;
            }
            TryDelete(path);
        }
        var created = create();
        try
        {
            Directory.CreateDirectory(directory);
            LlamaCheckpoint.Save(created, path, extraMetadata: new Dictionary<string, string>
            {
                [KeyMetadata] = key,
                [DigestMetadata] = Digest(created),
            });
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or ShiraException)
        {
            // Best effort: the model is fine, only the cache could not keep it.
        }
        return created;
    }

    private static LlamaForCausalLM? TryLoad(string path, string key, LlamaConfig config)
    {
        try
        {
            string? digest;
            using (var checkpoint = Shira.Format.Safetensors.SafetensorsCheckpoint.Open(path))
            {
                var metadata = checkpoint.Files[0].Header.Metadata;
                if (checkpoint.Files.Count != 1 || !metadata.TryGetValue(KeyMetadata, out var stored) || stored != key
                    || !metadata.TryGetValue(DigestMetadata, out digest))
                {
                    return null;
                }
            }
            var model = LlamaCheckpoint.Load(path, config);
            if (Digest(model) == digest) return model;
            model.Dispose();
            return null;
        }
        catch (Exception e) when (e is ShiraException or IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }

    // SHA-256 over every parameter's name and f32 bytes, in name order.
    private static string Digest(LlamaForCausalLM model)
    {
        using var sha = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        foreach (var (name, bytes, _) in LlamaCheckpoint.Snapshot(model))
        {
            sha.AppendData(Encoding.UTF8.GetBytes(name));
            sha.AppendData(bytes);
        }
        return Convert.ToHexStringLower(sha.GetHashAndReset());
    }

    private static void TryDelete(string path)
    {
        try { File.Delete(path); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException) { }
    }
}
