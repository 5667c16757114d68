namespace Shira.Fuzz;

/// <summary>Fuzz harness entry point.</summary>
public static class Program
{
    /// <summary>Runs the harness.</summary>
    public static int Main(string[] args) => throw new NotImplementedException();
}
