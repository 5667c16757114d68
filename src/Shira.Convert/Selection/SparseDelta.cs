namespace Shira.Convert.Selection;

/// <summary>The entries kept from a dense delta, and how much of it they keep.</summary>
/// <param name="Indices">Flat positions, strictly increasing.</param>
/// <param name="Values">The delta at those positions (f32).</param>
/// <param name="RelativeError">‖delta − kept (after rounding to the value type)‖_F / ‖delta‖_F (0 for a zero delta).</param>
/// <param name="EnergyKept">Σ kept² / Σ delta² (1 for a zero delta).</param>
internal sealed record SparseDelta(long[] Indices, float[] Values, double RelativeError, double EnergyKept);
