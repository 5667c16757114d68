using Shira.Training;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Shira.Training.Tests;

/// <summary>A tiny two-block MLP with dotted, nested names (block.fc1, block.fc2, head) and a regression task
/// whose targets come from a perturbed copy of the model, so an adapter can fit them.</summary>
internal sealed class ShiraTinyModel : nn.Module<Tensor, Tensor>
{
    public const int In = 12, Hidden = 20, Out = 6;

    private readonly TinyBlock block;
    private readonly Linear head;

    public ShiraTinyModel(long seed) : base("tiny")
    {
        block = new TinyBlock();
        head = nn.Linear(Hidden, Out);
        RegisterComponents();
        // Initialise from a private generator: torch's global one is shared by tests running in parallel.
        var gen = new Generator((ulong)seed);
        using var _ = no_grad();
        foreach (var (_, p) in named_parameters())
        {
            double bound = 1 / Math.Sqrt(p.shape[^1]);
            p.copy_(rand(p.shape, generator: gen).mul(2 * bound).sub(bound));
        }
    }

    public override Tensor forward(Tensor x) => head.call(block.call(x));

    /// <summary>Weights by parameter name, as f32 arrays (copies).</summary>
    public Dictionary<string, float[]> Snapshot()
    {
        var d = new Dictionary<string, float[]>();
        foreach (var (name, p) in named_parameters())
            d[name] = p.detach().cpu().contiguous().data<float>().ToArray();
        return d;
    }

    private sealed class TinyBlock : nn.Module<Tensor, Tensor>
    {
        private readonly Linear fc1;
        private readonly Linear fc2;

        public TinyBlock() : base("block")
        {
            fc1 = nn.Linear(In, Hidden);
            fc2 = nn.Linear(Hidden, Hidden);
            RegisterComponents();
        }

        public override Tensor forward(Tensor x) => nn.functional.tanh(fc2.call(nn.functional.tanh(fc1.call(x))));
    }
}

/// <summary>A fixed regression task: inputs and the outputs of a teacher whose block weights were nudged.</summary>
internal sealed class ShiraTinyTask : IDisposable
{
    public ShiraTinyTask(long seed, int batches = 4, int batchSize = 32)
    {
        using var teacher = new ShiraTinyModel(seed);
        var gen = new Generator((ulong)seed + 1000);
        using (no_grad())
        {
            foreach (var (name, p) in teacher.named_parameters())
                if (name.StartsWith("block.", StringComparison.Ordinal) && name.EndsWith("weight", StringComparison.Ordinal))
                    p.add_(randn(p.shape, generator: gen).mul(0.3));
            for (int b = 0; b < batches; b++)
            {
                var x = randn([batchSize, ShiraTinyModel.In], generator: gen);
                Inputs.Add(x);
                Targets.Add(teacher.call(x).detach());
            }
        }
    }

    public List<Tensor> Inputs { get; } = [];
    public List<Tensor> Targets { get; } = [];

    public Tensor Loss(ShiraTinyModel model, int step)
    {
        int b = step % Inputs.Count;
        return nn.functional.mse_loss(model.call(Inputs[b]), Targets[b]);
    }

    public StepLoss Step(ShiraTinyModel model, int step) => new(Loss(model, step), Inputs[step % Inputs.Count].shape[0]);

    public double MeanLoss(ShiraTinyModel model)
    {
        using var scope = NewDisposeScope();
        using var _ = no_grad();
        double sum = 0;
        for (int b = 0; b < Inputs.Count; b++) sum += Loss(model, b).item<float>();
        return sum / Inputs.Count;
    }

    public void Dispose()
    {
        foreach (var t in Inputs) t.Dispose();
        foreach (var t in Targets) t.Dispose();
    }
}
