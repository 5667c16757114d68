using System.Runtime.InteropServices;
using Shira.Format;
using Shira.Format.Safetensors;
using Shira.Testing;

namespace Shira.Cli.Tests;

/// <summary>
/// A FIFO, or a directory, given where a file belongs is refused up front with SHIRA-E9003 NotRegularFile by every
/// command that opens it: no hang (a FIFO blocks its reader until a writer comes), no "internal error", no
/// "Access denied". Every run is bounded so that a regression fails instead of hanging the suite.
/// </summary>
public sealed partial class NotRegularFileTests : IDisposable
{
    private readonly TempDir _tmp = new();
    private readonly string _fifo;
    private readonly string _base;
    private readonly string _adapter;

    public NotRegularFileTests()
    {
        _fifo = _tmp.File("pipe");
        if (OperatingSystem.IsLinux()) Assert.Equal(0, MkFifo(_fifo, 0x1B6));
        _base = _tmp.File("base.safetensors");
        SafetensorsWriter.WriteFile(_base, [SafetensorsTensorSource.FromBytes("x", DType.F32, [4], new byte[16])]);
        _adapter = _tmp.File("a.shira");
        ExampleAdapters.Write(_adapter);
    }

    public void Dispose() => _tmp.Dispose();

    private static (int Exit, string Out, string Err) Bounded(params string[] args)
    {
        var run = Task.Run(() => CliHarness.Run(args));
        Assert.True(run.Wait(TimeSpan.FromSeconds(60)), "shira " + string.Join(' ', args) + " hung");
        return run.Result;
    }

    public static TheoryData<string> Commands => new()
    {
        "inspect FIFO", "validate FIFO", "inspect DIR", "validate DIR",
        "apply FIFO ADAPTER -o OUT", "apply BASE FIFO -o OUT", "apply FIFO ADAPTER --in-place",
        "apply BASE DIR -o OUT", "revert FIFO", "recover FIFO", "switch FIFO ADAPTER ADAPTER",
    };

    [Theory]
    [MemberData(nameof(Commands))]
    public void A_fifo_or_a_directory_is_refused_with_E9003(string command)
    {
        if (!OperatingSystem.IsLinux() && command.Contains("FIFO", StringComparison.Ordinal)) return;
        // (A directory as the BASE is a sharded checkpoint folder, so it is not among these.)
        string dir = _tmp.File("folder");
        Directory.CreateDirectory(dir);
        var args = command.Split(' ').Select(a => a switch
        {
            "FIFO" => _fifo, "DIR" => dir, "BASE" => _base, "ADAPTER" => _adapter,
            "OUT" => _tmp.File("out.safetensors"), _ => a,
        }).ToArray();
        var (exit, _, err) = Bounded(args);
        Assert.True(exit != 0, command + " exited 0");
        Assert.Contains("SHIRA-E9003", err);
        Assert.DoesNotContain("internal error", err);
        Assert.DoesNotContain("denied", err, StringComparison.OrdinalIgnoreCase);
        Assert.False(File.Exists(_tmp.File("out.safetensors")));
        Assert.Empty(Directory.GetFiles(_tmp.Path, "*.tmp"));
    }

    [Fact]
    public void Recover_on_a_missing_path_is_E9001_like_every_other_command()
    {
        string missing = _tmp.File("nope.safetensors");
        foreach (var args in new[] { new[] { "recover", missing }, ["revert", missing], ["apply", missing, _adapter, "--in-place"] })
        {
            var (exit, _, err) = Bounded(args);
            Assert.Equal(2, exit);
            Assert.Contains("SHIRA-E9001", err);
        }
    }

    [LibraryImport("libc", EntryPoint = "mkfifo", StringMarshalling = StringMarshalling.Utf8)]
    private static partial int MkFifo(string path, int mode);
}
