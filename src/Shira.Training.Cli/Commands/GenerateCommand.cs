using System.CommandLine;
using System.Globalization;
using System.Text.Json.Nodes;
using Shira.Cli.Infrastructure;
using Shira.Training.Cli.Serving;

namespace Shira.Training.Cli.Commands;

/// <summary>
/// <c>shira-train generate BASE [--adapter X.shira [--scale S]]... --prompt TEXT</c>: continue a prompt with the
/// base and with each adapter, switched in one process by the runtime (the time of each switch is printed).
/// Greedy unless <c>--temperature</c> is above 0.
/// </summary>
internal static class GenerateCommand
{
    public static Command Create()
    {
        var baseArg = new Argument<string>("BASE") { Description = "Base checkpoint: safetensors file or folder (config.json, tokenizer.json/tokenizer.model beside it)" };
        var adapter = AdapterOptions.Adapter();
        var scale = AdapterOptions.Scale();
        var prompt = new Option<string>("--prompt") { Description = "The text to continue", Required = true };
        var maxNew = new Option<int>("--max-new-tokens") { Description = "Tokens to generate at most", DefaultValueFactory = _ => 64 };
        var temperature = new Option<double>("--temperature") { Description = "0 = greedy (default); above 0 samples", DefaultValueFactory = _ => 0.0 };
        var seed = new Option<ulong>("--seed") { Description = "Sampling seed", DefaultValueFactory = _ => 0UL };
        var tokenizer = new Option<string?>("--tokenizer") { Description = "tokenizer.json, tokenizer.model or 'bytes' (default: the base's own, else bytes)" };
        var noBase = new Option<bool>("--no-base") { Description = "Do not print the base model's own continuation" };
        var threads = new Option<int>("--threads") { Description = "Torch intra-op threads", DefaultValueFactory = _ => 1 };
        var json = new Option<bool>("--json") { Description = "Print JSON" };
        var command = new Command("generate", "Generate text with a base and adapters applied and switched by the runtime")
        {
            baseArg, adapter, scale, prompt, maxNew, temperature, seed, tokenizer, noBase, threads, json,
        };
        command.SetAction(result => CommandRunner.Run(() =>
        {
            var request = new GenerateRequest(result.GetValue(baseArg)!, result.GetValue(tokenizer), AdapterOptions.Read(result),
                result.GetValue(prompt)!, result.GetValue(maxNew), result.GetValue(temperature), result.GetValue(seed),
                !result.GetValue(noBase), result.GetValue(threads));
            if (request.MaxNewTokens < 0) throw new UsageException("--max-new-tokens must not be negative");
            if (!(request.Temperature >= 0) || double.IsInfinity(request.Temperature)) throw new UsageException("--temperature must be a finite number ≥ 0");
            if (request.Threads <= 0) throw new UsageException("--threads must be positive");
            if (!request.IncludeBase && request.Adapters.Count == 0) throw new UsageException("--no-base needs at least one --adapter");
            bool asJson = result.GetValue(json);
            var console = CliConsole.Current;
            var (outputs, kind, promptTokens) = GenerateRunner.Run(request, asJson ? null : o =>
            {
                if (o.Adapter is null)
                {
                    console.Output.WriteLine("[base]");
                }
                else
                {
                    console.Output.WriteLine(string.Create(CultureInfo.InvariantCulture,
                        $"[{o.Adapter} ×{o.Scale:G}] switched in {o.SwitchMs + o.RefreshMs:F2} ms (runtime {o.SwitchMs:F2} ms, model refresh {o.RefreshMs:F2} ms)"));
                }
                console.Output.WriteLine(request.Prompt + o.Text + (o.Stopped ? "" : " …"));
            });
            if (asJson)
            {
                var root = new JsonObject
                {
                    ["base"] = request.BasePath,
                    ["tokenizer"] = kind,
                    ["prompt"] = request.Prompt,
                    ["prompt_tokens"] = promptTokens,
                    ["temperature"] = request.Temperature,
                    ["seed"] = request.Seed,
                    ["outputs"] = new JsonArray(outputs.Select(o => (JsonNode?)GenerateRunner.ToJson(o)).ToArray()),
                };
                console.Output.WriteLine(root.ToJsonString(new System.Text.Json.JsonSerializerOptions { WriteIndented = true }));
            }
            return ExitCodes.Ok;
        }));
        return command;
    }
}
