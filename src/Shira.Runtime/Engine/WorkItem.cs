using System.Runtime.InteropServices;

namespace Shira.Runtime.Engine;

/// <summary>A slice of work for Parallel.For: positions [Start, Start + Count) of entry <see cref="Entry"/>.</summary>
[StructLayout(LayoutKind.Auto)]
internal readonly record struct WorkItem(int Entry, int Start, int Count)
{
    /// <summary>Positions per work item: big tensors are split so both cores stay busy.</summary>
    public const int Chunk = 1 << 15;

    public static WorkItem[] Split(IReadOnlyList<int> counts)
    {
        var items = new List<WorkItem>();
        for (int e = 0; e < counts.Count; e++)
            for (int s = 0; s < counts[e]; s += Chunk) items.Add(new WorkItem(e, s, Math.Min(Chunk, counts[e] - s)));
        return [.. items];
    }
}
