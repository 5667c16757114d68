namespace Shira.Training.Data;

/// <summary>A padded next-token batch as row-major arrays of shape [<see cref="Batch"/>, <see cref="Length"/>].</summary>
/// <param name="Inputs">Input ids.</param>
/// <param name="Targets">Target ids, <see cref="TokenDataset.IgnoreIndex"/> where not scored.</param>
/// <param name="Batch">Rows.</param>
/// <param name="Length">Tokens per row.</param>
public sealed record TokenBatch(long[] Inputs, long[] Targets, int Batch, int Length)
{
    /// <summary>Number of scored target positions.</summary>
    public int ScoredTokens
    {
        get
        {
            int n = 0;
            foreach (var t in Targets) if (t != TokenDataset.IgnoreIndex) n++;
            return n;
        }
    }

    /// <summary>Number of input tokens that are not padding (what a step processes).</summary>
    public int InputTokens
    {
        get
        {
            int n = 0;
            foreach (var t in Inputs) if (t != ByteTokenizer.Pad) n++;
            return n;
        }
    }

    /// <summary>The inputs as an int64 tensor [B, T].</summary>
    public TorchSharp.torch.Tensor InputTensor() => TorchSharp.torch.tensor(Inputs, [Batch, Length]);

    /// <summary>The targets as an int64 tensor [B, T].</summary>
    public TorchSharp.torch.Tensor TargetTensor() => TorchSharp.torch.tensor(Targets, [Batch, Length]);
}
