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

    /// <summary>The id of padding inputs.</summary>
    public long PadId { get; init; } = ByteTokenizer.Pad;

    /// <summary>Number of input tokens that are not padding (what a step processes). Padding sits at the end of a
    /// row; an EOS used as padding inside the text still counts.</summary>
    public int InputTokens
    {
        get
        {
            int n = 0;
            for (int b = 0; b < Batch; b++)
            {
                int end = Length;
                while (end > 0 && Inputs[b * Length + end - 1] == PadId && Targets[b * Length + end - 1] == TokenDataset.IgnoreIndex) end--;
                n += end;
            }
            return n;
        }
    }

    /// <summary>The inputs as an int64 tensor [B, T].</summary>
    public TorchSharp.torch.Tensor InputTensor() => TorchSharp.torch.tensor(Inputs, [Batch, Length]);

    /// <summary>The targets as an int64 tensor [B, T].</summary>
    public TorchSharp.torch.Tensor TargetTensor() => TorchSharp.torch.tensor(Targets, [Batch, Length]);
}
