using SharpFuzz;
using Shira.Format.Container;

namespace Shira.Fuzz;

/// <summary>
/// Fuzz harness for the .shira reader: each input is opened with <c>ShiraReader.Open(ReadOnlyMemory)</c>, validated,
/// and every tensor is read (the logic lives in <see cref="FuzzEntry"/> beside this file, which the test suite also
/// replays). A <see cref="Shira.Format.ShiraException"/> is the expected outcome for bad input; any other exception
/// is a crash. Modes: no argument = AFL++ (SharpFuzz out-of-process); <c>--libfuzzer</c>; <c>--replay FILE|DIR...</c>
/// runs inputs once in-process and prints each result (exit 1 if any input crashes).
/// </summary>
public static class Program
{
    // Inputs are capped so one case stays fast; the format's interesting structure fits in far fewer bytes.
    private const int MaxInput = 1 << 20;

    /// <summary>Runs the harness.</summary>
    public static int Main(string[] args)
    {
        if (args.Length > 0 && args[0] == "--libfuzzer")
        {
            Fuzzer.LibFuzzer.Run(span => FuzzEntry.CheckBoth(span.Length > MaxInput ? span[..MaxInput].ToArray() : span.ToArray()));
            return 0;
        }
        if (args.Length > 0 && args[0] == "--replay") return Replay(args[1..]);
        Fuzzer.OutOfProcess.Run(stream =>
        {
            var buffer = new byte[MaxInput];
            int n = 0, read;
            while (n < buffer.Length && (read = stream.Read(buffer, n, buffer.Length - n)) > 0) n += read;
            FuzzEntry.CheckBoth(buffer.AsSpan(0, n).ToArray());
        });
        return 0;
    }

    private static int Replay(string[] paths)
    {
        int crashes = 0;
        foreach (var p in paths)
        {
            IEnumerable<string> files = Directory.Exists(p) ? Directory.EnumerateFiles(p, "*", SearchOption.AllDirectories).Order(StringComparer.Ordinal) : [p];
            foreach (var f in files)
            {
                try
                {
                    var bytes = File.ReadAllBytes(f);
                    var code = FuzzEntry.Check(bytes);
                    FuzzEntry.CheckBoth(bytes);
                    Console.WriteLine($"{(code is null ? "valid" : Shira.Format.ShiraException.FormatCode(code.Value))}  {f}");
                }
                catch (Exception e) when (e is not OutOfMemoryException)
                {
                    crashes++;
                    Console.WriteLine($"CRASH {e.GetType().Name}: {e.Message}  {f}");
                }
            }
        }
        return crashes == 0 ? 0 : 1;
    }
}
