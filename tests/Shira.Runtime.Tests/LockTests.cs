using System.Diagnostics;
using Shira.Format;
using Shira.Format.Container;
using Shira.Testing;

namespace Shira.Runtime.Tests;

/// <summary>
/// The base lock (flock beside the journal): one in-place writer at a time, refused at once with
/// <see cref="ShiraErrorCode.BaseLocked"/> naming the holder's pid; readers shared, and never alongside a writer.
/// Checked in one process (two opens) and across processes (the crash helper holds the base open).
/// </summary>
public sealed class LockTests : IDisposable
{
    private readonly TempDir _tmp = new();
    private string Base => _tmp.File("model.safetensors");
    private string A => _tmp.File("a.shira");
    private string LockFile => Base + ".shira-lock";
    private static string Helper => Path.Combine(AppContext.BaseDirectory, "Shira.Runtime.CrashHelper.dll");

    public LockTests()
    {
        var rng = new Random(5);
        TestData.WriteBase(Base, [("w", DType.F32, [64, 64], TestData.RandomTensor(rng, DType.F32, 4096))]);
        TestData.WriteAdapter(A, [new AdapterTensor("w", [64, 64], DType.F32, [1, 7, 4000], [1f, 2f, 3f])], "A");
    }

    public void Dispose() => _tmp.Dispose();

    private static ShiraException Locked(Action a)
    {
        var e = Assert.Throws<ShiraException>(a);
        Assert.Equal(ShiraErrorCode.BaseLocked, e.Code);
        return e;
    }

    [Fact]
    public void A_second_in_place_writer_in_the_same_process_is_refused_and_named()
    {
        using (var first = BaseModel.Open(Base, BaseOpenMode.InPlace))
        {
            var e = Locked(() => BaseModel.Open(Base, BaseOpenMode.InPlace).Dispose());
            Assert.Contains(Environment.ProcessId.ToString(System.Globalization.CultureInfo.InvariantCulture), e.Message);
            Locked(() => BaseModel.Recover(Base));
            Assert.True(File.Exists(LockFile));
        }
        // Released with the model, and no lock file outlives it.
        Assert.False(File.Exists(LockFile));
        using var again = BaseModel.Open(Base, BaseOpenMode.InPlace);
    }

    [Fact]
    public void Readers_share_the_base_but_never_with_an_in_place_writer()
    {
        using (var r1 = BaseModel.Open(Base, BaseOpenMode.CopyOnWrite))
        using (var r2 = BaseModel.Open(Base, BaseOpenMode.Memory))
        {
            var e = Locked(() => BaseModel.Open(Base, BaseOpenMode.InPlace).Dispose());
            Assert.Contains("open for reading", e.Message);
        }
        Assert.False(File.Exists(LockFile));
        using (var w = BaseModel.Open(Base, BaseOpenMode.InPlace))
        {
            Locked(() => BaseModel.Open(Base, BaseOpenMode.CopyOnWrite).Dispose());
            Locked(() => AdapterMerge.ApplyToCopy(Base, [(A, 1f)], _tmp.File("out.safetensors")));
            Assert.False(File.Exists(_tmp.File("out.safetensors")));
        }
        AdapterMerge.ApplyToCopy(Base, [(A, 1f)], _tmp.File("out.safetensors"));
        Assert.False(File.Exists(LockFile));
    }

    [Fact]
    public void A_merge_refuses_a_base_left_half_patched_by_a_crash()
    {
        // A record without commit marker: what a writer killed mid-patch leaves.
        using (var w = BaseModel.Open(Base, BaseOpenMode.InPlace))
        using (var r = ShiraReader.Open(A))
            w.Apply(r);
        foreach (var f in Directory.GetFiles(Base + ".shira-journal", "*.committed")) File.Delete(f);
        var e = Assert.Throws<ShiraException>(() => AdapterMerge.ApplyToCopy(Base, [(A, 1f)], _tmp.File("out.safetensors")));
        Assert.Equal(ShiraErrorCode.RecoveryNeeded, e.Code);
        BaseModel.Recover(Base);
        AdapterMerge.ApplyToCopy(Base, [(A, 1f)], _tmp.File("out.safetensors"));
    }

    [Fact]
    public void Another_process_holding_the_base_refuses_writers_with_its_pid_and_releases_on_death()
    {
        ulong before = TestData.HashFile(Base);
        using (var holder = StartHelper("hold", Base, "inplace"))
        {
            string pid = holder.Id.ToString(System.Globalization.CultureInfo.InvariantCulture);
            var e = Locked(() => BaseModel.Open(Base, BaseOpenMode.InPlace).Dispose());
            Assert.Contains("process " + pid, e.Message);
            Locked(() => BaseModel.Open(Base, BaseOpenMode.CopyOnWrite).Dispose());

            // A second child is refused at once too (exit 1, the code and the holder's pid on stderr), and the base is untouched.
            var (code, err) = RunHelper("apply", Base, A);
            Assert.Equal(1, code);
            Assert.Contains("SHIRA-E6009", err);
            Assert.Contains("process " + pid, err);
            Assert.Equal(before, TestData.HashFile(Base));

            holder.Kill(entireProcessTree: true);
            Assert.True(holder.WaitForExit(30_000), "holder did not die");
        }
        // SIGKILL drops the flock: nothing stale is left to refuse the next writer.
        using (var w = BaseModel.Open(Base, BaseOpenMode.InPlace))
        using (var r = ShiraReader.Open(A))
            w.Apply(r);
        Assert.NotEqual(before, TestData.HashFile(Base));
    }

    [Fact]
    public void A_reader_in_another_process_refuses_an_in_place_writer()
    {
        using var holder = StartHelper("hold", Base, "cow");
        var e = Locked(() => BaseModel.Open(Base, BaseOpenMode.InPlace).Dispose());
        Assert.Contains("process " + holder.Id.ToString(System.Globalization.CultureInfo.InvariantCulture), e.Message);
        // Readers share.
        using (var r = BaseModel.Open(Base, BaseOpenMode.CopyOnWrite)) { }
        holder.StandardInput.Close();
        Assert.True(holder.WaitForExit(30_000));
        Assert.Equal(0, holder.ExitCode);
        using var w = BaseModel.Open(Base, BaseOpenMode.InPlace);
    }

    [Fact]
    public void Concurrent_in_place_applies_from_two_processes_end_in_a_serial_order()
    {
        // Both race for the lock; each either applies (exit 0) or is refused (exit 1, E6009). The base then equals
        // the base with A applied exactly as many times as applies succeeded, and that many records are on the stack.
        string b = _tmp.File("b.shira");
        TestData.WriteAdapter(b, [new AdapterTensor("w", [64, 64], DType.F32, [7, 8], [0.5f, 0.25f])], "B");
        for (int round = 0; round < 3; round++)
        {
            var p1 = StartHelper("apply", Base, A);
            var p2 = StartHelper("apply", Base, b);
            var r1 = Finish(p1);
            var r2 = Finish(p2);
            foreach (var (c, err) in new[] { r1, r2 })
                Assert.True(c == 0 || (c == 1 && err.Contains("SHIRA-E6009", StringComparison.Ordinal)), $"exit {c}: {err}");
            using var m = BaseModel.Open(Base, BaseOpenMode.InPlace);
            Assert.Equal((r1.Code == 0 ? 1 : 0) + (r2.Code == 0 ? 1 : 0), m.Applied.Count);
            while (m.Applied.Count > 0) m.Revert();
        }
    }

    private static Process StartHelper(params string[] args)
    {
        var psi = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true, RedirectStandardError = true, RedirectStandardInput = true, UseShellExecute = false,
        };
        psi.ArgumentList.Add(Helper);
        foreach (var a in args) psi.ArgumentList.Add(a);
        var p = Process.Start(psi)!;
        if (args[0] == "hold")
        {
            var line = p.StandardOutput.ReadLineAsync();
            if (!line.Wait(60_000) || line.Result != "READY")
            {
                p.Kill(entireProcessTree: true);
                p.WaitForExit();
                Assert.Fail("helper did not open the base: " + (line.IsCompleted ? line.Result : "(no line)") + p.StandardError.ReadToEnd());
            }
        }
        return p;
    }

    private static (int Code, string Stderr) Finish(Process p)
    {
        var err = p.StandardError.ReadToEndAsync();
        var output = p.StandardOutput.ReadToEndAsync();
        p.StandardInput.Close();
        Assert.True(p.WaitForExit(60_000), "helper did not exit");
        Assert.True(output.Wait(30_000) && err.Wait(30_000), "helper output did not end");
        int code = p.ExitCode;
        p.Dispose();
        return (code, err.Result);
    }

    private static (int Code, string Stderr) RunHelper(params string[] args) => Finish(StartHelper(args));
}
