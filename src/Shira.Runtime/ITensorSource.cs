using Shira.Format;

namespace Shira.Runtime;

/// <summary>What <see cref="BaseCompatibility"/> needs from a base: tensor facts and content hashes.</summary>
internal interface ITensorSource
{
    string Name { get; }
    bool TryGet(string name, out DType dtype, out IReadOnlyList<long> shape);
    /// <summary>XXH3-64 of the tensor's raw bytes as the adapter's maker saw them.</summary>
    ulong ContentHash(string name);
}
