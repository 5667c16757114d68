using Shira.Format;
using Shira.Format.Container;

namespace Shira.Runtime;

public sealed partial class BaseModel
{
    /// <summary>Replaces the adapter on top of the in-place stack by <paramref name="to"/> (as <see cref="Switch"/>),
    /// after checking that the top is <paramref name="fromPath"/>: a switch names what it takes out, so a stale script
    /// cannot revert an adapter it did not mean to.</summary>
    /// <exception cref="ShiraException"><see cref="ShiraErrorCode.NotApplied"/> when nothing is applied or the top is
    /// another adapter; <see cref="ShiraErrorCode.IoError"/> when <paramref name="fromPath"/> does not exist.</exception>
    public AppliedAdapter SwitchFrom(string fromPath, ShiraReader to, float scale = 1f)
    {
        ArgumentNullException.ThrowIfNull(fromPath);
        ArgumentNullException.ThrowIfNull(to);
        if (_applied.Count == 0)
            throw ShiraErrors.NotApplied("no adapter is applied in place to this base (apply one with `shira apply BASE FROM --in-place` first)", Path);
        var top = _applied[^1];
        if (!File.Exists(fromPath)) throw ShiraErrors.IoError(fromPath, "it does not exist");
        if (!top.IsSameAdapter(fromPath))
            throw ShiraErrors.NotApplied($"the adapter applied on top is '{top.Name}' ({top.Source}), not '{fromPath}'", Path);
        return Switch(to, scale);
    }
}
