using System.Diagnostics;
using System.Globalization;
using System.Runtime.InteropServices;
using System.Text;
using Shira.Format;
using Shira.Format.Container;
using Shira.Format.IO;
using Shira.Testing;

namespace Shira.Cli.Tests;

/// <summary>
/// Killed and interrupted writes (issue 9 §4): SIGINT/SIGTERM while `shira apply -o` writes its output end with exit
/// 130/143, no temporary file and no output; a temporary left by a SIGKILLed writer is removed by the next write of
/// the same output (only when its pid is dead).
/// </summary>
public sealed partial class SignalTests : IDisposable
{
    private readonly TempDir _tmp = new();
    private string Shira => Path.Combine(AppContext.BaseDirectory, "shira.dll");

    public void Dispose() => _tmp.Dispose();

    /// <summary>A 1 GiB base that costs no disk (sparse zeros), so the output takes a while to write.</summary>
    private (string Base, string Adapter) Inputs()
    {
        string basePath = _tmp.File("base.safetensors"), a = _tmp.File("a.shira");
        long numel = 1L << 28;
        string header = "{\"w\":{\"dtype\":\"F32\",\"shape\":[" + numel + "],\"data_offsets\":[0," + numel * 4 + "]}}";
        while (header.Length % 8 != 0) header += " ";
        using (var fs = new FileStream(basePath, FileMode.CreateNew))
        {
            fs.Write(BitConverter.GetBytes((long)header.Length));
            fs.Write(Encoding.ASCII.GetBytes(header));
            fs.SetLength(8 + header.Length + numel * 4);
        }
        ShiraWriter.WriteFile(a, new AdapterMetadata { Name = "a" }, w => w.AddTensor(new TensorSpec { Name = "w", Shape = [numel] }, [1, numel - 1], [1f, 2f]));
        return (basePath, a);
    }

    [Theory]
    [InlineData(2, 130)]  // SIGINT
    [InlineData(15, 143)] // SIGTERM
    public async Task A_signal_during_a_write_leaves_no_temporary_and_no_output(int signal, int expectedExit)
    {
        if (!OperatingSystem.IsLinux()) return;
        var (basePath, a) = Inputs();
        string output = _tmp.File("out.safetensors");
        var psi = new ProcessStartInfo("dotnet") { RedirectStandardError = true, RedirectStandardOutput = true, UseShellExecute = false };
        foreach (var arg in new[] { Shira, "apply", basePath, a, "-o", output }) psi.ArgumentList.Add(arg);
        using var p = Process.Start(psi)!;
        var err = p.StandardError.ReadToEndAsync();
        var stdout = p.StandardOutput.ReadToEndAsync();
        var sw = Stopwatch.StartNew();
        while (Directory.GetFiles(_tmp.Path, ".out.safetensors.*.tmp").Length == 0)
        {
            if (p.HasExited) Assert.Fail($"the write ended (exit {p.ExitCode}) before it could be interrupted: {await err}");
            Assert.True(sw.Elapsed < TimeSpan.FromSeconds(120), "no temporary appeared");
            Thread.Sleep(5);
        }
        Assert.Equal(0, Kill(p.Id, signal));
        Assert.True(p.WaitForExit(60_000));
        Assert.Equal(expectedExit, p.ExitCode);
        Assert.Contains(signal == 2 ? "SIGINT" : "SIGTERM", await err);
        await stdout;
        Assert.Empty(Directory.GetFiles(_tmp.Path, "*.tmp"));
        Assert.False(File.Exists(output));
    }

    [Fact]
    public void The_next_write_removes_temporaries_of_dead_writers_only()
    {
        string output = _tmp.File("out.safetensors");
        int dead = 4_000_000;
        while (Directory.Exists("/proc/" + dead.ToString(CultureInfo.InvariantCulture))) dead--;
        string stale = _tmp.File($".out.safetensors.{dead}.0123456789ab.tmp");
        string live = _tmp.File($".out.safetensors.{Environment.ProcessId}.abcdefabcdef.tmp");
        string notOurs = _tmp.File(".out.safetensors.notes.tmp");
        foreach (var f in new[] { stale, live, notOurs }) File.WriteAllText(f, "partial");
        AtomicFile.Write(output, fs => fs.Write("done"u8));
        Assert.Equal("done", File.ReadAllText(output));
        Assert.False(File.Exists(stale));
        Assert.True(File.Exists(live));
        Assert.True(File.Exists(notOurs));
    }

    [LibraryImport("libc", EntryPoint = "kill")]
    private static partial int Kill(int pid, int signal);
}
