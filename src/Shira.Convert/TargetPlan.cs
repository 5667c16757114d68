using Shira.Format.Container;

namespace Shira.Convert;

/// <summary>One tensor to write: planned up front (so names can be written in ascending order and every check runs
/// before the output is created), produced one at a time (so memory stays bounded by one module).</summary>
internal sealed record TargetPlan(string Target, Func<ShiraWriter, TensorReport?> Write);

