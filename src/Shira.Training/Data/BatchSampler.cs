namespace Shira.Training.Data;

/// <summary>Seeded epoch shuffling: the same seed gives the same sequence of batches.</summary>
public sealed class BatchSampler
{
    private readonly TokenDataset _data;
    private readonly int _batchSize;
    private readonly DataRng _rng;
    private readonly int[] _order;
    private int _next;

    /// <summary>Samples batches of <paramref name="batchSize"/> examples from <paramref name="data"/>.</summary>
    public BatchSampler(TokenDataset data, int batchSize, ulong seed)
    {
        ArgumentNullException.ThrowIfNull(data);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(batchSize);
        if (data.Count == 0) throw new ArgumentException("the dataset is empty", nameof(data));
        _data = data;
        _batchSize = Math.Min(batchSize, data.Count);
        _rng = DataRng.Derive(seed, "batches");
        _order = new int[data.Count];
        for (int i = 0; i < _order.Length; i++) _order[i] = i;
        _next = _order.Length; // forces a shuffle on the first call
    }

    /// <summary>The next batch; reshuffles (Fisher–Yates) at the end of each epoch.</summary>
    public TokenBatch Next()
    {
        if (_next + _batchSize > _order.Length)
        {
            for (int i = _order.Length - 1; i > 0; i--)
            {
                int j = _rng.Next(i + 1);
                (_order[i], _order[j]) = (_order[j], _order[i]);
            }
            _next = 0;
        }
        var batch = _data.GetBatch(_order.AsSpan(_next, _batchSize));
        _next += _batchSize;
        return batch;
    }
}
