using Shira.Format;
using Shira.Format.Container;
using Shira.Format.Safetensors;
using Shira.Testing;

namespace Shira.Runtime.Tests;

/// <summary>Open modes, SaveAs, sharded folders, and the in-place journal's state machine (driven by editing the
/// journal's marker files, which is exactly what a crash between two steps leaves behind).</summary>
public sealed class ModesTests
{
    private static (string Base, string A, string B) Setup(TempDir tmp, DType dtype = DType.BF16)
    {
        var rng = new Random(7);
        string basePath = tmp.File("model.safetensors");
        TestData.WriteBase(basePath, [
            ("x.weight", dtype, [64, 48], TestData.RandomTensor(rng, dtype, 64 * 48)),
            ("y.weight", dtype, [3000], TestData.RandomTensor(rng, dtype, 3000)),
            ("z.bias", dtype, [48], TestData.RandomTensor(rng, dtype, 48)),
        ]);
        TestData.WriteAdapter(tmp.File("a.shira"), [
            new AdapterTensor("x.weight", [64, 48], dtype, TestData.RandomIndices(rng, 64 * 48, 300), TestData.RandomValues(rng, 300)),
            new AdapterTensor("y.weight", [3000], dtype, TestData.RandomIndices(rng, 3000, 200), TestData.RandomValues(rng, 200)),
        ], "A");
        TestData.WriteAdapter(tmp.File("b.shira"), [
            new AdapterTensor("x.weight", [64, 48], dtype, TestData.RandomIndices(rng, 64 * 48, 250), TestData.RandomValues(rng, 250)),
            new AdapterTensor("z.bias", [48], dtype, [0, 5, 47], [0.5f, -0.5f, 1f]),
        ], "B");
        return (basePath, tmp.File("a.shira"), tmp.File("b.shira"));
    }

    private static string Merged(TempDir tmp, string basePath, string adapter, string name)
    {
        string out_ = tmp.File(name);
        AdapterMerge.ApplyToCopy(basePath, [(adapter, 1f)], out_);
        return out_;
    }

    [Fact]
    public void Copy_on_write_never_changes_the_file_and_SaveAs_equals_ApplyToCopy()
    {
        using var tmp = new TempDir();
        var (basePath, a, _) = Setup(tmp);
        ulong before = TestData.HashFile(basePath);
        using (var model = BaseModel.Open(basePath, BaseOpenMode.CopyOnWrite))
        using (var r = ShiraReader.Open(a))
        {
            var original = model.GetTensor("x.weight").Bytes.ToArray();
            model.Apply(r);
            Assert.False(model.GetTensor("x.weight").Bytes.SequenceEqual(original));
            model.SaveAs(tmp.File("saved.safetensors"));
        }
        Assert.Equal(before, TestData.HashFile(basePath));
        Assert.Empty(TestData.DifferentTensors(tmp.File("saved.safetensors"), Merged(tmp, basePath, a, "merged.safetensors")));
    }

    [Fact]
    public void In_place_apply_persists_across_processes_and_revert_restores_the_file()
    {
        using var tmp = new TempDir();
        var (basePath, a, _) = Setup(tmp);
        string merged = Merged(tmp, basePath, a, "merged.safetensors");
        ulong before = TestData.HashFile(basePath);
        using (var model = BaseModel.Open(basePath, BaseOpenMode.InPlace))
        using (var r = ShiraReader.Open(a))
            model.Apply(r, 1f);
        Assert.Empty(TestData.DifferentTensors(basePath, merged));
        Assert.True(Directory.Exists(basePath + ".shira-journal"));
        using (var model = BaseModel.Open(basePath, BaseOpenMode.InPlace))
        {
            var top = Assert.Single(model.Applied);
            Assert.Equal("A", top.Name);
            Assert.True(top.IsSameAdapter(a));
            model.Revert();
        }
        Assert.Equal(before, TestData.HashFile(basePath));
        Assert.False(Directory.Exists(basePath + ".shira-journal"));
    }

    [Fact]
    public void In_place_switch_across_processes_equals_apply_of_the_target()
    {
        using var tmp = new TempDir();
        var (basePath, a, b) = Setup(tmp);
        string mergedB = Merged(tmp, basePath, b, "mergedB.safetensors");
        ulong before = TestData.HashFile(basePath);
        using (var model = BaseModel.Open(basePath, BaseOpenMode.InPlace))
        using (var r = ShiraReader.Open(a))
            model.Apply(r);
        using (var model = BaseModel.Open(basePath, BaseOpenMode.InPlace))
        using (var r = ShiraReader.Open(b))
            model.Switch(r);
        Assert.Empty(TestData.DifferentTensors(basePath, mergedB));
        Assert.Single(Directory.GetFiles(basePath + ".shira-journal", "*.rec"));
        using (var model = BaseModel.Open(basePath, BaseOpenMode.InPlace))
        {
            Assert.Equal("B", Assert.Single(model.Applied).Name);
            model.Revert();
        }
        Assert.Equal(before, TestData.HashFile(basePath));
    }

    /// <summary>Each case edits the journal into the state a crash at one step leaves, then checks what recovery
    /// restores: an uncommitted apply is rolled back; a revert that started is finished; an uncommitted switch rolls
    /// back both adapters; a committed switch whose cleanup was cut keeps the new adapter.</summary>
    [Theory]
    [InlineData("apply-uncommitted", "base", 0)]
    [InlineData("revert-started", "base", 0)]
    [InlineData("switch-uncommitted", "base", 0)]
    [InlineData("switch-committed-not-cleaned", "B", 1)]
    [InlineData("leftover-temp", "A", 1)]
    public void Recovery_follows_the_state_machine(string state, string expected, int stillApplied)
    {
        using var tmp = new TempDir();
        var (basePath, a, b) = Setup(tmp);
        string mergedA = Merged(tmp, basePath, a, "mergedA.safetensors");
        string mergedB = Merged(tmp, basePath, b, "mergedB.safetensors");
        ulong before = TestData.HashFile(basePath);
        string journal = basePath + ".shira-journal";
        using (var model = BaseModel.Open(basePath, BaseOpenMode.InPlace))
        using (var ra = ShiraReader.Open(a))
        {
            model.Apply(ra);
            if (state.StartsWith("switch", StringComparison.Ordinal))
            {
                // Keep A's files to re-create the moment before cleanup.
                foreach (var f in Directory.GetFiles(journal)) File.Copy(f, f + ".keep");
                using var rb = ShiraReader.Open(b);
                model.Switch(rb);
                foreach (var f in Directory.GetFiles(journal, "*.keep")) File.Move(f, f[..^5]);
            }
        }
        switch (state)
        {
            case "apply-uncommitted": File.Delete(Path.Combine(journal, "00000001.committed")); break;
            case "revert-started":
                File.WriteAllBytes(Path.Combine(journal, "00000001.reverting"), []);
                break;
            case "switch-uncommitted": File.Delete(Path.Combine(journal, "00000002.committed")); break;
            case "leftover-temp": File.WriteAllBytes(Path.Combine(journal, "00000002.rec.tmp"), [1, 2, 3]); break;
        }
        if (state != "switch-committed-not-cleaned" && state != "leftover-temp")
        {
            // A base mid-operation is refused by the read-only modes.
            var e = Assert.Throws<ShiraException>(() => BaseModel.Open(basePath, BaseOpenMode.CopyOnWrite));
            Assert.Equal(ShiraErrorCode.RecoveryNeeded, e.Code);
        }
        var result = BaseModel.Recover(basePath);
        Assert.True(result.JournalFound);
        Assert.Equal(stillApplied, result.StillApplied.Count);
        if (expected == "base") Assert.Equal(before, TestData.HashFile(basePath));
        else Assert.Empty(TestData.DifferentTensors(basePath, expected == "A" ? mergedA : mergedB));
        // Idempotent.
        var again = BaseModel.Recover(basePath);
        Assert.Equal(0, again.RolledBack);
        Assert.Equal(stillApplied == 0, !Directory.Exists(journal));
    }

    [Fact]
    public void A_journal_of_another_base_or_a_damaged_record_is_JournalCorrupt()
    {
        using var tmp = new TempDir();
        var (basePath, a, _) = Setup(tmp);
        using (var model = BaseModel.Open(basePath, BaseOpenMode.InPlace))
        using (var r = ShiraReader.Open(a))
            model.Apply(r);
        string journal = basePath + ".shira-journal";
        // Another base (different header) with this journal next to it.
        string other = tmp.File("other.safetensors");
        TestData.WriteBase(other, [("x.weight", DType.BF16, [64, 48], new byte[64 * 48 * 2])]);
        Directory.CreateDirectory(other + ".shira-journal");
        foreach (var f in Directory.GetFiles(journal)) File.Copy(f, Path.Combine(other + ".shira-journal", Path.GetFileName(f)));
        ulong otherBefore = TestData.HashFile(other);
        Assert.Equal(ShiraErrorCode.JournalCorrupt, Assert.Throws<ShiraException>(() => BaseModel.Open(other, BaseOpenMode.InPlace)).Code);
        Assert.Equal(otherBefore, TestData.HashFile(other));
        // A flipped byte in the record.
        string rec = Path.Combine(journal, "00000001.rec");
        var bytes = File.ReadAllBytes(rec);
        bytes[bytes.Length / 2] ^= 0x40;
        File.WriteAllBytes(rec, bytes);
        ulong before = TestData.HashFile(basePath);
        Assert.Equal(ShiraErrorCode.JournalCorrupt, Assert.Throws<ShiraException>(() => BaseModel.Recover(basePath)).Code);
        Assert.Equal(before, TestData.HashFile(basePath));
    }

    [Fact]
    public void Sharded_folder_opens_applies_in_place_and_reverts()
    {
        using var tmp = new TempDir();
        var rng = new Random(3);
        string dir = Path.Combine(tmp.Path, "sharded");
        Directory.CreateDirectory(dir);
        var x = TestData.RandomTensor(rng, DType.F16, 200);
        var y = TestData.RandomTensor(rng, DType.F16, 300);
        TestData.WriteBase(Path.Combine(dir, "model-00001-of-00002.safetensors"), [("x.weight", DType.F16, [200], x)]);
        TestData.WriteBase(Path.Combine(dir, "model-00002-of-00002.safetensors"), [("y.weight", DType.F16, [300], y)]);
        File.WriteAllText(Path.Combine(dir, "model.safetensors.index.json"),
            """{"metadata":{"total_size":1000},"weight_map":{"x.weight":"model-00001-of-00002.safetensors","y.weight":"model-00002-of-00002.safetensors"}}""");
        var ta = new AdapterTensor("x.weight", [200], DType.F16, [0, 10, 199], [0.25f, -1f, 2f]);
        var tb = new AdapterTensor("y.weight", [300], DType.F16, [5, 6], [1f, 1f]);
        TestData.WriteAdapter(tmp.File("a.shira"), [ta, tb]);
        AdapterMerge.ApplyToCopy(dir, [(tmp.File("a.shira"), 0.5f)], tmp.File("merged.safetensors"));
        using (var merged = SafetensorsFile.Open(tmp.File("merged.safetensors")))
        {
            Assert.True(merged.GetBytes("x.weight").SequenceEqual(TestData.ReferenceApply(x, DType.F16, ta, 0.5f)));
            Assert.True(merged.GetBytes("y.weight").SequenceEqual(TestData.ReferenceApply(y, DType.F16, tb, 0.5f)));
        }
        using (var model = BaseModel.Open(dir, BaseOpenMode.InPlace))
        using (var r = ShiraReader.Open(tmp.File("a.shira")))
        {
            Assert.Equal(["x.weight", "y.weight"], model.TensorNames);
            model.Apply(r, 0.5f);
        }
        Assert.True(Directory.Exists(Path.Combine(dir, ".shira-journal")));
        using (var model = BaseModel.Open(dir, BaseOpenMode.InPlace))
        {
            Assert.True(model.GetTensor("y.weight").Bytes.SequenceEqual(TestData.ReferenceApply(y, DType.F16, tb, 0.5f)));
            model.Revert();
            Assert.True(model.GetTensor("x.weight").Bytes.SequenceEqual(x));
            Assert.True(model.GetTensor("y.weight").Bytes.SequenceEqual(y));
        }
        Assert.False(Directory.Exists(Path.Combine(dir, ".shira-journal")));
    }
}
