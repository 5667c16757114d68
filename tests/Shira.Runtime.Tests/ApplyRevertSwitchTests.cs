using CsCheck;
using Shira.Format;
using Shira.Format.Container;
using Shira.Testing;

namespace Shira.Runtime.Tests;

/// <summary>Properties over random bases and adapters: apply matches an element-by-element reference, revert restores
/// the base bit for bit, switch equals revert + apply, stacks unwind exactly — in every open mode.</summary>
public sealed class ApplyRevertSwitchTests
{
    private sealed record Scenario(DType DType, (string Name, long[] Shape, byte[] Bytes)[] Tensors, BaseOpenMode Mode, int Seed);

    private static Scenario MakeScenario(int seed)
    {
        var rng = new Random(seed);
        var dtype = new[] { DType.F32, DType.BF16, DType.F16 }[rng.Next(3)];
        int count = rng.Next(1, 4);
        var tensors = new (string, long[], byte[])[count];
        for (int i = 0; i < count; i++)
        {
            long[] shape = rng.Next(3) == 0 ? [rng.Next(1, 300)] : [rng.Next(1, 40), rng.Next(1, 70)];
            long numel = shape.Aggregate(1L, (a, b) => a * b);
            tensors[i] = ($"layer{i}.weight", shape, TestData.RandomTensor(rng, dtype, numel));
        }
        var mode = (BaseOpenMode)rng.Next(3);
        return new Scenario(dtype, tensors, mode, seed);
    }

    private static AdapterTensor[] RandomAdapter(Random rng, Scenario s)
    {
        var list = new List<AdapterTensor>();
        foreach (var (name, shape, _) in s.Tensors)
        {
            if (rng.Next(4) == 0) continue;
            long numel = shape.Aggregate(1L, (a, b) => a * b);
            int nnz = rng.Next(4) == 0 ? (int)numel : rng.Next(0, (int)numel + 1);
            var idx = TestData.RandomIndices(rng, numel, nnz);
            var semantics = rng.Next(5) == 0 ? Semantics.Replace : Semantics.Add;
            float scale = semantics == Semantics.Replace ? 1f : new[] { 1f, 0.5f, -2f, (float)rng.NextDouble() * 3 }[rng.Next(4)];
            var vt = (ValueDType)rng.Next(1, 4);
            // Every byte encoding (the fused apply decodes each one block by block), or the writer's choice.
            var encoding = new[] { IndexEncoding.Auto, IndexEncoding.RawU32, IndexEncoding.RawU64, IndexEncoding.DeltaBitPacked, IndexEncoding.DeltaVarint }[rng.Next(5)];
            list.Add(new AdapterTensor(name, shape, s.DType, idx, TestData.RandomValues(rng, idx.Length), semantics, scale, vt, encoding));
        }
        return [.. list];
    }

    private static Dictionary<string, byte[]> Expected(Dictionary<string, byte[]> state, Scenario s, AdapterTensor[] adapter, float userScale)
    {
        var next = new Dictionary<string, byte[]>(state);
        foreach (var t in adapter) next[t.Name] = TestData.ReferenceApply(state[t.Name], s.DType, t, userScale);
        return next;
    }

    private static void AssertState(BaseModel model, Dictionary<string, byte[]> expected)
    {
        foreach (var (name, bytes) in expected)
            Assert.True(model.GetTensor(name).Bytes.SequenceEqual(bytes), name);
    }

    [Fact]
    public void Apply_matches_reference_and_revert_is_bit_exact()
    {
        Gen.Int[0, int.MaxValue].Sample(seed =>
        {
            var s = MakeScenario(seed);
            var rng = new Random(seed ^ 0x5eed);
            using var tmp = new TempDir();
            string basePath = tmp.File("base.safetensors");
            TestData.WriteBase(basePath, s.Tensors.Select(t => (t.Name, s.DType, t.Shape, t.Bytes)));
            var adapter = RandomAdapter(rng, s);
            TestData.WriteAdapter(tmp.File("a.shira"), adapter);
            float userScale = rng.Next(3) == 0 ? 1f : (float)(rng.NextDouble() * 4 - 2);
            var original = s.Tensors.ToDictionary(t => t.Name, t => t.Bytes);
            using (var model = BaseModel.Open(basePath, s.Mode))
            using (var reader = ShiraReader.Open(tmp.File("a.shira")))
            {
                model.Apply(reader, userScale);
                AssertState(model, Expected(original, s, adapter, userScale));
                model.Revert();
                AssertState(model, original);
                Assert.Empty(model.Applied);
            }
            Assert.False(Directory.Exists(basePath + ".shira-journal"));
        }, iter: 40);
    }

    [Fact]
    public void Switch_equals_revert_then_apply_bitwise()
    {
        Gen.Int[0, int.MaxValue].Sample(seed =>
        {
            var s = MakeScenario(seed);
            var rng = new Random(seed ^ 0x5717);
            using var tmp = new TempDir();
            string basePath = tmp.File("base.safetensors");
            TestData.WriteBase(basePath, s.Tensors.Select(t => (t.Name, s.DType, t.Shape, t.Bytes)));
            var a = RandomAdapter(rng, s);
            var b = RandomAdapter(rng, s);
            TestData.WriteAdapter(tmp.File("a.shira"), a, "A");
            TestData.WriteAdapter(tmp.File("b.shira"), b, "B");
            float sa = (float)(rng.NextDouble() * 2), sb = rng.Next(2) == 0 ? 1f : (float)(rng.NextDouble() * 2);
            var original = s.Tensors.ToDictionary(t => t.Name, t => t.Bytes);
            using var model = BaseModel.Open(basePath, s.Mode);
            using var ra = ShiraReader.Open(tmp.File("a.shira"));
            using var rb = ShiraReader.Open(tmp.File("b.shira"));
            model.Apply(ra, sa);
            model.Switch(rb, sb);
            AssertState(model, Expected(original, s, b, sb));
            Assert.Single(model.Applied);
            Assert.Equal("B", model.Applied[0].Name);
            // And back: switching again then reverting restores the base.
            model.Switch(ra, sa);
            AssertState(model, Expected(original, s, a, sa));
            model.Revert();
            AssertState(model, original);
        }, iter: 40);
    }

    [Fact]
    public void Stack_of_three_unwinds_exactly()
    {
        Gen.Int[0, int.MaxValue].Sample(seed =>
        {
            var s = MakeScenario(seed);
            var rng = new Random(seed ^ 0x3333);
            using var tmp = new TempDir();
            string basePath = tmp.File("base.safetensors");
            TestData.WriteBase(basePath, s.Tensors.Select(t => (t.Name, s.DType, t.Shape, t.Bytes)));
            var states = new List<Dictionary<string, byte[]>> { s.Tensors.ToDictionary(t => t.Name, t => t.Bytes) };
            var readers = new List<ShiraReader>();
            using var model = BaseModel.Open(basePath, s.Mode);
            try
            {
                for (int k = 0; k < 3; k++)
                {
                    var ad = RandomAdapter(rng, s);
                    TestData.WriteAdapter(tmp.File($"{k}.shira"), ad, $"A{k}");
                    float sc = (float)(rng.NextDouble() * 2 - 0.5);
                    var r = ShiraReader.Open(tmp.File($"{k}.shira"));
                    readers.Add(r);
                    model.Apply(r, sc);
                    states.Add(Expected(states[^1], s, ad, sc));
                    AssertState(model, states[^1]);
                }
                Assert.Equal(["A0", "A1", "A2"], model.Applied.Select(x => x.Name));
                for (int k = 3; k > 0; k--)
                {
                    Assert.Equal($"A{k - 1}", model.Revert().Name);
                    AssertState(model, states[k - 1]);
                }
                Assert.Throws<ShiraException>(() => model.Revert());
            }
            finally
            {
                foreach (var r in readers) r.Dispose();
            }
        }, iter: 25);
    }

    /// <summary>Big enough for many switch windows (and work items), with overlapping supports at window edges.</summary>
    [Theory]
    [InlineData(BaseOpenMode.Memory, DType.BF16)]
    [InlineData(BaseOpenMode.InPlace, DType.F32)]
    [InlineData(BaseOpenMode.CopyOnWrite, DType.F16)]
    public void Switch_over_many_windows_equals_revert_then_apply(BaseOpenMode mode, DType dtype)
    {
        using var tmp = new TempDir();
        var rng = new Random(42);
        const long numel = 300 * 1000;
        var w = TestData.RandomTensor(rng, dtype, numel);
        TestData.WriteBase(tmp.File("base.safetensors"), [("w", dtype, [300, 1000], w), ("v", dtype, [1000], TestData.RandomTensor(rng, dtype, 1000))]);
        var ia = TestData.RandomIndices(rng, numel, 90_000);
        var ib = TestData.RandomIndices(rng, numel, 70_000);
        var a = new AdapterTensor("w", [300, 1000], dtype, ia, TestData.RandomValues(rng, ia.Length));
        var av = new AdapterTensor("v", [1000], dtype, [3, 999], [1f, -1f]);
        var b = new AdapterTensor("w", [300, 1000], dtype, ib, TestData.RandomValues(rng, ib.Length), Scale: 0.75f);
        TestData.WriteAdapter(tmp.File("a.shira"), [a, av], "A");
        TestData.WriteAdapter(tmp.File("b.shira"), [b], "B");
        using var model = BaseModel.Open(tmp.File("base.safetensors"), mode);
        using var ra = ShiraReader.Open(tmp.File("a.shira"));
        using var rb = ShiraReader.Open(tmp.File("b.shira"));
        model.Apply(ra, 1.5f);
        model.Switch(rb, -1f);
        Assert.True(model.GetTensor("w").Bytes.SequenceEqual(TestData.ReferenceApply(w, dtype, b, -1f)));
        model.Revert();
        Assert.True(model.GetTensor("w").Bytes.SequenceEqual(w));
    }

    [Fact]
    public void Revert_with_empty_stack_is_NotApplied()
    {
        using var tmp = new TempDir();
        TestData.WriteBase(tmp.File("b.safetensors"), [("w", DType.F32, [4], new byte[16])]);
        using var model = BaseModel.Open(tmp.File("b.safetensors"), BaseOpenMode.Memory);
        Assert.Equal(ShiraErrorCode.NotApplied, Assert.Throws<ShiraException>(() => model.Revert()).Code);
        TestData.WriteAdapter(tmp.File("a.shira"), [new AdapterTensor("w", [4], DType.F32, [1], [1f])]);
        using var r = ShiraReader.Open(tmp.File("a.shira"));
        Assert.Equal(ShiraErrorCode.NotApplied, Assert.Throws<ShiraException>(() => model.Switch(r)).Code);
    }
}
