using Shira.Format.Container;
using Shira.Format.Safetensors;

namespace Shira.Runtime;

/// <summary>Options for <see cref="BaseModel"/>.</summary>
public sealed record BaseModelOptions
{
    /// <summary>Limits for parsing the base's safetensors headers.</summary>
    public SafetensorsOptions? Safetensors { get; init; }

    /// <summary>Degree of parallelism for apply, revert and switch (default: all cores).</summary>
    public int MaxDegreeOfParallelism { get; init; } = Environment.ProcessorCount;

    /// <summary>Check the content hashes of the adapter's base fingerprint before applying (default true). Costs one
    /// read of every fingerprinted tensor; names, shapes and dtypes are always checked.</summary>
    public bool VerifyFingerprint { get; init; } = true;

    /// <summary>In <see cref="BaseOpenMode.InPlace"/>: roll back an interrupted operation found in the journal when
    /// opening (default true). When false, such a journal makes <see cref="BaseModel.Open"/> throw
    /// <c>RecoveryNeeded</c>.</summary>
    public bool AutoRecover { get; init; } = true;
}
