using System.CommandLine;
using System.ComponentModel;
using System.Diagnostics;
using Shira.Cli.Infrastructure;
using Shira.Format;

namespace Shira.Cli.Commands;

/// <summary>
/// <c>shira train ARGS</c>: runs <c>shira-train train ARGS</c>. Training needs TorchSharp (about 1 GB of libtorch),
/// so it ships as its own tool and the core command never references it. The tool is looked up in
/// <see cref="TrainTool.EnvironmentVariable"/>, next to <c>shira</c>, then on PATH; when absent the command says how
/// to install or build it and exits 2.
/// </summary>
internal static class TrainCommand
{
    /// <summary>The entry in the command tree, for <c>shira --help</c>; <see cref="Program.Run"/> forwards
    /// <c>train</c> before parsing, so the tool's own parser sees every argument (including <c>--help</c>).</summary>
    public static Command Create()
    {
        var command = new Command("train",
            $"Train a SHiRA or LoRA adapter: runs the separate training tool ({TrainTool.Name} train …, TorchSharp)")
        {
            TreatUnmatchedTokensAsErrors = false,
        };
        command.SetAction(result => Forward([.. result.UnmatchedTokens]));
        return command;
    }

    /// <summary>Runs the training tool with <c>train</c> and <paramref name="args"/>; returns its exit code, or 2
    /// with instructions when it cannot be found or started.</summary>
    public static int Forward(IReadOnlyList<string> args) => Forward(args, TrainTool.Find(TrainTool.DefaultSearch()));

    /// <summary>As <see cref="Forward(IReadOnlyList{string})"/> with an already located tool (tests).</summary>
    internal static int Forward(IReadOnlyList<string> args, TrainTool? tool)
    {
        var console = CliConsole.Current;
        if (tool is null)
        {
            console.Error.WriteLine($"error: {ShiraException.FormatCode(ShiraErrorCode.Usage)}: {TrainTool.MissingMessage()}");
            return ExitCodes.UsageOrIo;
        }
        var start = new ProcessStartInfo(tool.FileName) { UseShellExecute = false };
        foreach (var a in tool.PrefixArguments) start.ArgumentList.Add(a);
        start.ArgumentList.Add("train");
        foreach (var a in args) start.ArgumentList.Add(a);
        // On the process console the child writes straight to the terminal (progress, colour); when a caller has
        // swapped the console (tests, embedding) its output is copied there instead.
        bool inherit = ReferenceEquals(console.Output, Console.Out) && ReferenceEquals(console.Error, Console.Error);
        start.RedirectStandardOutput = start.RedirectStandardError = !inherit;
        Process? process;
        try
        {
            process = Process.Start(start);
        }
        catch (Win32Exception e)
        {
            console.Error.WriteLine($"error: {ShiraException.FormatCode(ShiraErrorCode.IoError)}: cannot start {tool.FileName}: {e.Message}");
            return ExitCodes.UsageOrIo;
        }
        if (process is null)
        {
            console.Error.WriteLine($"error: {ShiraException.FormatCode(ShiraErrorCode.IoError)}: cannot start {tool.FileName}");
            return ExitCodes.UsageOrIo;
        }
        using (process)
        {
            if (!inherit)
            {
                var output = process.StandardOutput.ReadToEndAsync();
                var error = process.StandardError.ReadToEndAsync();
                process.WaitForExit();
                console.Output.Write(output.Result);
                console.Error.Write(error.Result);
            }
            else
            {
                process.WaitForExit();
            }
            return process.ExitCode;
        }
    }
}
