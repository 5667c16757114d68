using TorchSharp;
using static TorchSharp.torch;

namespace Shira.Training;

/// <summary>
/// The autograd function behind <see cref="ShiraForwardMode.Merged"/>: forward is one <c>linear(x, W + ΔW, b)</c>
/// with the layer's weight already holding W + ΔW; backward returns <c>dx = g·(W + ΔW)</c> (only when x needs it)
/// and the values' gradient at the mask positions only (<see cref="SampledProduct"/>), never a dense [out, in]
/// gradient. Arguments of <c>apply</c>: x, the values, the <see cref="ShiraLayer"/> (not a tensor, so not
/// differentiated).
/// </summary>
internal sealed class MergedLinearFunction : autograd.SingleTensorFunction<MergedLinearFunction>
{
    private const string LayerKey = "layer";
    private const string NeedsInputGradKey = "dx";

    /// <inheritdoc />
    public override string Name => "ShiraMergedLinear";

    /// <inheritdoc />
    public override Tensor forward(autograd.AutogradContext ctx, params object[] vars)
    {
        var x = (Tensor)vars[0];
        var layer = (ShiraLayer)vars[2];
        ctx.save_for_backward([x]);
        ctx.save_data(LayerKey, layer);
        ctx.save_data(NeedsInputGradKey, x.requires_grad);
        return nn.functional.linear(x, layer.Module.weight!, layer.Module.bias);
    }

    /// <inheritdoc />
    public override List<Tensor> backward(autograd.AutogradContext ctx, Tensor grad_output)
    {
        var layer = (ShiraLayer)ctx.get_data(LayerKey);
        var x = ctx.get_saved_variables()[0];
        var weight = layer.Module.weight!;
        Tensor? dx = (bool)ctx.get_data(NeedsInputGradKey) ? grad_output.matmul(weight) : null;
        var g2 = grad_output.reshape(-1, layer.Mask.Rows);
        var x2 = x.reshape(-1, layer.Mask.Cols);
        var dv = SampledProduct.ValuesGradient(g2, x2, layer.RowIndices, layer.ColIndices, torch.get_num_threads());
        if (dv.dtype != layer.Values.dtype) dv = dv.to(layer.Values.dtype);
        return [dx!, dv, null!];
    }
}
