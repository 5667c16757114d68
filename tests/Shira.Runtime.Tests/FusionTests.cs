using Shira.Format;
using Shira.Format.Container;
using Shira.Testing;

namespace Shira.Runtime.Tests;

/// <summary>Fusion checked against a straightforward dense computation over every position of every tensor.</summary>
public sealed class FusionTests
{
    private static readonly (string Name, long Numel)[] Targets = [("p.weight", 600), ("q.weight", 257), ("r.weight", 90)];

    [Fact]
    public void Fused_values_and_interaction_report_match_a_dense_computation()
    {
        using var tmp = new TempDir();
        var rng = new Random(99);
        const int K = 3;
        float[] weights = [0.5f, 1.25f, -0.75f];
        float[] entryScales = [1f, 2f, 0.5f];
        var dense = new Dictionary<string, double[][]>(); // per tensor, per input: delta (0 off-support)
        var masks = new Dictionary<string, bool[][]>();
        foreach (var (name, numel) in Targets) { dense[name] = new double[K][]; masks[name] = new bool[K][]; }
        var paths = new List<(string, float)>();
        for (int k = 0; k < K; k++)
        {
            var tensors = new List<AdapterTensor>();
            foreach (var (name, numel) in Targets)
            {
                dense[name][k] = new double[numel];
                masks[name][k] = new bool[numel];
                if (name == "r.weight" && k != 1) continue; // only input 1 touches r
                // Overlapping supports: each input takes a random half of the first 300 positions.
                var idx = TestData.RandomIndices(rng, Math.Min(numel, 300), (int)Math.Min(numel, 300) / 2);
                var vals = TestData.RandomValues(rng, idx.Length);
                for (int j = 0; j < idx.Length; j++)
                {
                    dense[name][k][idx[j]] = entryScales[k] * vals[j];
                    masks[name][k][idx[j]] = true;
                }
                tensors.Add(new AdapterTensor(name, [numel], DType.BF16, idx, vals, Scale: entryScales[k]));
            }
            string path = tmp.File($"in{k}.shira");
            TestData.WriteAdapter(path, tensors, $"in{k}");
            paths.Add((path, weights[k]));
        }
        var report = AdapterFusion.Fuse(paths, tmp.File("fused.shira"));

        using var fused = ShiraReader.Open(tmp.File("fused.shira"));
        long totalUnion = 0;
        foreach (var (name, numel) in Targets)
        {
            Assert.True(fused.TryGetTensor(name, out var info));
            Assert.Equal(Semantics.Add, info.Semantics);
            Assert.Equal(1f, info.Scale);
            Assert.Equal(DType.BF16, info.BaseDType);
            var idx = new long[info.Nnz];
            var vals = new float[info.Nnz];
            fused.ReadIndices(info, idx);
            fused.ReadValues(info, vals);
            var expectedIdx = new List<long>();
            var expectedVals = new List<float>();
            for (long i = 0; i < numel; i++)
            {
                bool any = false;
                float sum = 0f;
                for (int k = 0; k < K; k++)
                    if (masks[name][k][i]) { any = true; sum += weights[k] * (float)dense[name][k][i]; }
                if (any) { expectedIdx.Add(i); expectedVals.Add(sum); }
            }
            Assert.Equal(expectedIdx, idx);
            Assert.Equal(expectedVals, vals); // f32 sums in input order: bit-exact
            totalUnion += idx.Length;
        }
        Assert.Equal(totalUnion, report.Positions);
        Assert.Equal(Targets.Length, report.Tensors);

        for (int a = 0; a < K; a++)
        {
            double energy = 0, shared = 0;
            long positions = 0;
            foreach (var (name, numel) in Targets)
                for (long i = 0; i < numel; i++)
                {
                    if (!masks[name][a][i]) continue;
                    positions++;
                    double e = dense[name][a][i] * dense[name][a][i];
                    energy += e;
                    if (Enumerable.Range(0, K).Any(b => b != a && masks[name][b][i])) shared += e;
                }
            var input = report.Inputs[a];
            Assert.Equal(positions, input.Positions);
            Assert.Equal(energy, input.Energy, 1e-9);
            Assert.Equal(shared / energy, input.SharedEnergyShare, 1e-9);
            Assert.InRange(input.SharedEnergyShare, 0.05, 0.95); // the supports really overlap partly
            for (int b = a + 1; b < K; b++)
            {
                double dot = 0, na = 0, nb = 0;
                long both = 0;
                foreach (var (name, numel) in Targets)
                    for (long i = 0; i < numel; i++)
                        if (masks[name][a][i] && masks[name][b][i])
                        {
                            both++;
                            dot += dense[name][a][i] * dense[name][b][i];
                            na += dense[name][a][i] * dense[name][a][i];
                            nb += dense[name][b][i] * dense[name][b][i];
                        }
                var pair = Assert.Single(report.Pairs, p => p.A == a && p.B == b);
                Assert.Equal(both, pair.SharedPositions);
                Assert.NotNull(pair.Cosine);
                Assert.Equal(dot / Math.Sqrt(na * nb), pair.Cosine!.Value, 1e-9);
            }
        }
    }

    [Fact]
    public void Fusing_mismatched_or_replace_inputs_is_FuseConflict()
    {
        using var tmp = new TempDir();
        TestData.WriteAdapter(tmp.File("a.shira"), [new AdapterTensor("w", [10], DType.F32, [1], [1f])]);
        TestData.WriteAdapter(tmp.File("b.shira"), [new AdapterTensor("w", [5, 2], DType.F32, [1], [1f])]);
        TestData.WriteAdapter(tmp.File("c.shira"), [new AdapterTensor("w", [10], DType.F32, [1], [1f], Semantics.Replace)]);
        Assert.Equal(ShiraErrorCode.FuseConflict, Assert.Throws<ShiraException>(() =>
            AdapterFusion.Fuse([(tmp.File("a.shira"), 1f), (tmp.File("b.shira"), 1f)], tmp.File("o.shira"))).Code);
        Assert.Equal(ShiraErrorCode.FuseConflict, Assert.Throws<ShiraException>(() =>
            AdapterFusion.Fuse([(tmp.File("a.shira"), 1f), (tmp.File("c.shira"), 1f)], tmp.File("o.shira"))).Code);
        Assert.False(File.Exists(tmp.File("o.shira")));
    }

    [Fact]
    public void Applying_the_fusion_equals_the_weighted_sum_of_deltas_applied_once()
    {
        using var tmp = new TempDir();
        var rng = new Random(5);
        var w = TestData.RandomTensor(rng, DType.F32, 400);
        TestData.WriteBase(tmp.File("base.safetensors"), [("w", DType.F32, [20, 20], w)]);
        var i1 = TestData.RandomIndices(rng, 400, 100);
        var v1 = TestData.RandomValues(rng, 100);
        TestData.WriteAdapter(tmp.File("a.shira"), [new AdapterTensor("w", [20, 20], DType.F32, i1, v1)]);
        TestData.WriteAdapter(tmp.File("b.shira"), [new AdapterTensor("w", [20, 20], DType.F32, i1, v1)]);
        AdapterFusion.Fuse([(tmp.File("a.shira"), 0.5f), (tmp.File("b.shira"), 0.5f)], tmp.File("f.shira"));
        AdapterMerge.ApplyToCopy(tmp.File("base.safetensors"), [(tmp.File("f.shira"), 1f)], tmp.File("out.safetensors"));
        // 0.5·v + 0.5·v is exactly v in f32 (halving is exact), so this equals applying one input.
        AdapterMerge.ApplyToCopy(tmp.File("base.safetensors"), [(tmp.File("a.shira"), 1f)], tmp.File("ref.safetensors"));
        Assert.Empty(TestData.DifferentTensors(tmp.File("out.safetensors"), tmp.File("ref.safetensors")));
    }
}
