using Shira.Fuzz;
using Shira.Format.Container;
using Shira.Testing;

namespace Shira.Format.Tests.Conformance;

/// <summary>Replays the fuzz seed corpus (fixtures/conformance) and every saved fuzz input (fixtures/fuzz-corpus)
/// through the harness logic of tests/Shira.Fuzz: nothing but <see cref="ShiraException"/> may escape.</summary>
public class FuzzCorpusReplayTests
{
    public static TheoryData<string> Inputs()
    {
        var d = new TheoryData<string>();
        foreach (var dir in new[] { "conformance", "fuzz-corpus" })
        {
            var root = Path.Combine(RepoPaths.Fixtures, dir);
            if (!Directory.Exists(root)) continue;
            foreach (var f in Directory.EnumerateFiles(root, "*", SearchOption.AllDirectories).Order(StringComparer.Ordinal))
                if (!f.EndsWith(".json", StringComparison.Ordinal) && !f.EndsWith(".md", StringComparison.Ordinal))
                    d.Add(Path.GetRelativePath(RepoPaths.Fixtures, f));
        }
        return d;
    }

    [Theory]
    [MemberData(nameof(Inputs))]
    public void Fuzz_input_is_handled_without_crashing(string file)
    {
        var bytes = File.ReadAllBytes(Path.Combine(RepoPaths.Fixtures, file));
        FuzzEntry.CheckBoth(bytes); // throws (fails the test) on anything but a ShiraException
    }

    [Fact]
    public void Reseal_restores_every_checksum_so_deep_rules_are_reached()
    {
        var dir = Path.Combine(RepoPaths.Fixtures, "conformance");
        var corrupt = File.ReadAllBytes(Path.Combine(dir, "invalid/section_checksum.shira"));
        Assert.Equal(ShiraErrorCode.SectionChecksum, FuzzEntry.Check(corrupt));
        Assert.Null(FuzzEntry.Check(FuzzEntry.Reseal(corrupt)!));
        var valid = File.ReadAllBytes(Path.Combine(dir, "valid/metadata.shira"));
        Assert.Equal(valid, FuzzEntry.Reseal(valid));
        Assert.Null(FuzzEntry.Reseal(new byte[10]));
    }
}
