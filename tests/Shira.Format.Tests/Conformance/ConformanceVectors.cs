using Shira.Fuzz;
using System.Text;
using System.Text.Json;
using Shira.Format.Container;
using Shira.Testing;

namespace Shira.Format.Tests.Conformance;

/// <summary>
/// The golden vectors of fixtures/conformance/. The generator is <see cref="VectorCatalog"/>; to rewrite the files
/// after an intended format change run
/// <c>SHIRA_REGENERATE=1 dotnet test tests/Shira.Format.Tests --filter FullyQualifiedName~ConformanceVectors</c>.
/// </summary>
public class ConformanceVectors
{
    private static string Dir => Path.Combine(RepoPaths.Fixtures, "conformance");
    private static bool Regenerate => Environment.GetEnvironmentVariable("SHIRA_REGENERATE") == "1";

    internal static string ExpectString(ShiraErrorCode? code) => code is null ? "valid" : ShiraException.FormatCode(code.Value);

    internal static byte[] Manifest()
    {
        using var ms = new MemoryStream();
        using (var j = new Utf8JsonWriter(ms, new JsonWriterOptions { Indented = true }))
        {
            j.WriteStartObject();
            j.WriteString("format", "shira-conformance/1");
            j.WriteString("spec", "spec/SPEC.md 1.0 (revision 1.0.1)");
            j.WriteStartArray("vectors");
            foreach (var v in VectorCatalog.All)
            {
                j.WriteStartObject();
                j.WriteString("file", v.File);
                j.WriteString("expect", ExpectString(v.Expected));
                if (v.Expected is { } c) j.WriteString("code_name", c.ToString());
                j.WriteString("description", v.Description);
                j.WriteEndObject();
            }
            j.WriteEndArray();
            j.WriteEndObject();
        }
        ms.WriteByte((byte)'\n');
        return ms.ToArray();
    }

    public static TheoryData<string> Files()
    {
        var d = new TheoryData<string>();
        foreach (var v in VectorCatalog.All) d.Add(v.File);
        return d;
    }

    [Theory]
    [MemberData(nameof(Files))]
    public void Vector_file_is_reproduced_byte_for_byte_by_the_generator(string file)
    {
        var v = VectorCatalog.All.Single(x => x.File == file);
        var bytes = v.Build();
        Assert.Equal(bytes, v.Build()); // the generator itself is deterministic
        var path = Path.Combine(Dir, file);
        if (Regenerate)
        {
            Directory.CreateDirectory(Path.GetDirectoryName(path)!);
            File.WriteAllBytes(path, bytes);
        }
        Assert.True(File.Exists(path), $"{path} is missing; run the generator (see the class comment)");
        Assert.Equal(bytes, File.ReadAllBytes(path));
    }

    [Fact]
    public void Vector_list_is_reproduced_by_the_generator()
    {
        var path = Path.Combine(Dir, "vectors.json");
        var expected = Manifest();
        if (Regenerate) File.WriteAllBytes(path, expected);
        Assert.Equal(Encoding.UTF8.GetString(expected), File.ReadAllText(path));
    }

    /// <summary>Runs every vector listed in vectors.json (not the catalog: the committed files are the contract).</summary>
    [Fact]
    public void Every_listed_vector_gives_its_expected_result()
    {
        using var doc = JsonDocument.Parse(File.ReadAllBytes(Path.Combine(Dir, "vectors.json")));
        int count = 0;
        foreach (var v in doc.RootElement.GetProperty("vectors").EnumerateArray())
        {
            string file = v.GetProperty("file").GetString()!;
            string expect = v.GetProperty("expect").GetString()!;
            var report = ShiraReader.ValidateFile(Path.Combine(Dir, file));
            string actual = report.IsValid ? "valid" : ShiraException.FormatCode(report.Issues[0].Code);
            Assert.True(expect == actual, $"{file}: expected {expect}, got {actual} ({(report.IsValid ? "" : report.Issues[0].Message)})");
            if (!report.IsValid) Assert.All(report.Issues, i => Assert.Equal(report.Issues[0].Code, i.Code));

            // The in-memory reader agrees with the file reader.
            var viaMemory = FuzzEntry.Check(File.ReadAllBytes(Path.Combine(Dir, file)));
            Assert.Equal(expect, viaMemory is null ? "valid" : ShiraException.FormatCode(viaMemory.Value));
            count++;
        }
        Assert.Equal(VectorCatalog.All.Count, count);
    }

    [Fact]
    public void Conformance_md_lists_every_vector_with_its_expected_result()
    {
        var md = File.ReadAllText(Path.Combine(RepoPaths.Root, "spec", "CONFORMANCE.md"));
        foreach (var v in VectorCatalog.All)
            Assert.Contains($"| `{v.File}` | {ExpectString(v.Expected)} |", md);
    }

    [Fact]
    public void Every_container_error_code_has_an_invalid_vector()
    {
        var covered = VectorCatalog.All.Where(v => v.Expected is not null).Select(v => v.Expected!.Value).ToHashSet();
        var missing = Enum.GetValues<ShiraErrorCode>().Where(c => (int)c is >= 1000 and < 4000 && !covered.Contains(c)).ToArray();
        Assert.Empty(missing);
    }
}
