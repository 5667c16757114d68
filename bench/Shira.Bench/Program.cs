namespace Shira.Bench;

/// <summary>Benchmark entry point (see bench/README.md).</summary>
public static class Program
{
    /// <summary>Runs the benchmarks named on the command line.</summary>
    public static int Main(string[] args) => throw new NotImplementedException();
}
