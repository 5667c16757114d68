using System.Diagnostics;
using Shira.Format;
using Shira.Testing;

namespace Shira.Runtime.Tests;

/// <summary>
/// kill -9 of a child process in the middle of an in-place apply, revert or switch, then recovery: the base must be
/// byte-identical either to the state before the operation or — only when the operation had committed — to the
/// state after it. The child (tests/Shira.Runtime.CrashHelper) is stopped at named steps (SHIRA_CRASH_AT) and
/// also killed after random delays.
/// </summary>
public sealed class CrashTests
{
    private static string Helper => Path.Combine(AppContext.BaseDirectory, "Shira.Runtime.CrashHelper.dll");

    private sealed class Fixture : IDisposable
    {
        public TempDir Tmp { get; } = new();
        public string Base => Tmp.File("model.safetensors");
        public string A => Tmp.File("a.shira");
        public string B => Tmp.File("b.shira");
        public ulong Original { get; }
        public ulong AppliedA { get; }
        public ulong AppliedB { get; }

        public Fixture(int elements)
        {
            var rng = new Random(11);
            TestData.WriteBase(Base, [
                ("big.weight", DType.BF16, [elements / 256, 256], TestData.RandomTensor(rng, DType.BF16, elements)),
                ("small.weight", DType.F32, [1000], TestData.RandomTensor(rng, DType.F32, 1000)),
            ]);
            int nnz = elements / 50;
            TestData.WriteAdapter(A, [
                new AdapterTensor("big.weight", [elements / 256, 256], DType.BF16, TestData.RandomIndices(rng, elements, nnz), TestData.RandomValues(rng, nnz)),
                new AdapterTensor("small.weight", [1000], DType.F32, [1, 2, 3], [1f, 2f, 3f]),
            ], "A");
            TestData.WriteAdapter(B, [
                new AdapterTensor("big.weight", [elements / 256, 256], DType.BF16, TestData.RandomIndices(rng, elements, nnz), TestData.RandomValues(rng, nnz)),
            ], "B");
            Original = TestData.HashFile(Base);
            AdapterMerge.ApplyToCopy(Base, [(A, 1f)], Tmp.File("mergedA.safetensors"));
            AdapterMerge.ApplyToCopy(Base, [(B, 1f)], Tmp.File("mergedB.safetensors"));
            AppliedA = ContentHash(Tmp.File("mergedA.safetensors"));
            AppliedB = ContentHash(Tmp.File("mergedB.safetensors"));
        }

        public void Dispose() => Tmp.Dispose();
    }

    /// <summary>Hash of the tensor data only (a merged copy has the same header as the base, so this compares).</summary>
    private static ulong ContentHash(string path) => TestData.HashFile(path);

    private static (int? ExitCode, string Stdout) RunChild(string[] args, string? crashAt, int? killAfterMs)
    {
        var psi = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        psi.ArgumentList.Add(Helper);
        foreach (var a in args) psi.ArgumentList.Add(a);
        if (crashAt is not null) psi.Environment["SHIRA_CRASH_AT"] = crashAt;
        using var p = Process.Start(psi)!;
        var output = new System.Text.StringBuilder();
        var stderr = p.StandardError.ReadToEndAsync();
        if (crashAt is not null)
        {
            string? line;
            while ((line = p.StandardOutput.ReadLine()) is not null)
            {
                output.AppendLine(line);
                if (line.StartsWith("CRASHPOINT", StringComparison.Ordinal)) break;
            }
            p.Kill(entireProcessTree: true);
            p.WaitForExit();
            Assert.True(line is not null, $"child ended before reaching {crashAt}: {output} {stderr.Result}");
            return (null, output.ToString());
        }
        string? ready = p.StandardOutput.ReadLine();
        Assert.Equal("READY", ready);
        if (!p.WaitForExit(killAfterMs!.Value))
        {
            p.Kill(entireProcessTree: true);
            p.WaitForExit();
            return (null, "");
        }
        return (p.ExitCode, p.StandardOutput.ReadToEnd());
    }

    private static void ApplyA(Fixture f)
    {
        using var model = BaseModel.Open(f.Base, BaseOpenMode.InPlace);
        using var r = Shira.Format.Container.ShiraReader.Open(f.A);
        model.Apply(r);
    }

    public static TheoryData<string, string, string> Points => new()
    {
        // verb, crash point, expected state after recovery
        { "apply", "journal-written", "original" },
        { "apply", "before-patch", "original" },
        { "apply", "patch-half", "original" },
        { "apply", "before-commit", "original" },
        { "apply", "committed", "A" },
        { "revert", "reverting", "original" },
        { "revert", "reverted", "original" },
        // A switch A -> B that did not commit goes back to "A applied", never to the bare base.
        { "switch", "undo-written", "A" },
        { "switch", "journal-written", "A" },
        { "switch", "before-patch", "A" },
        { "switch", "patch-half", "A" },
        { "switch", "before-commit", "A" },
        { "switch", "committed", "B" },
    };

    [Theory]
    [MemberData(nameof(Points))]
    public void Kill_at_a_step_then_recover_gives_a_consistent_base(string verb, string point, string expected)
    {
        using var f = new Fixture(1 << 16);
        if (verb != "apply") ApplyA(f);
        string[] args = verb switch { "apply" => ["apply", f.Base, f.A], "revert" => ["revert", f.Base], _ => ["switch", f.Base, f.B] };
        RunChild(args, point, null);
        var result = BaseModel.Recover(f.Base);
        Assert.True(result.JournalFound);
        ulong want = expected switch { "original" => f.Original, "A" => f.AppliedA, _ => f.AppliedB };
        Assert.Equal(want, TestData.HashFile(f.Base));
        Assert.Equal(expected == "original" ? 0 : 1, result.StillApplied.Count);
        if (expected != "original")
        {
            // The applied record survives, so the adapter can still be reverted exactly.
            using var model = BaseModel.Open(f.Base, BaseOpenMode.InPlace);
            Assert.Equal(expected, Assert.Single(model.Applied).Name);
            model.Revert();
        }
        Assert.Equal(f.Original, TestData.HashFile(f.Base));
        Assert.False(Directory.Exists(f.Base + ".shira-journal"));
    }

    [Fact]
    public void Kill_after_random_delays_then_recover_is_original_or_committed()
    {
        using var f = new Fixture(1 << 20);
        var rng = new Random(2024);
        int sawOriginal = 0, sawApplied = 0;
        for (int round = 0; round < 5; round++)
        {
            RunChild(["apply", f.Base, f.A], null, rng.Next(0, 120));
            var result = BaseModel.Recover(f.Base);
            ulong h = TestData.HashFile(f.Base);
            if (h == f.Original) { sawOriginal++; Assert.Empty(result.StillApplied); }
            else
            {
                Assert.Equal(f.AppliedA, h);
                Assert.Single(result.StillApplied);
                sawApplied++;
                BaseModel.Recover(f.Base);
                using var model = BaseModel.Open(f.Base, BaseOpenMode.InPlace);
                model.Revert();
            }
            Assert.Equal(f.Original, TestData.HashFile(f.Base));
        }
        Assert.Equal(5, sawOriginal + sawApplied);
    }
}
