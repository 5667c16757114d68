using System.Reflection;
using System.Text.RegularExpressions;
using Shira.Testing;

namespace Shira.Format.Tests.Errors;

/// <summary>Issue 11: one factory per error code, so a code's message cannot drift, and no other way to make a
/// <see cref="ShiraException"/> (no generic factory taking a code, no constructor call outside src/Shira.Format/Errors).</summary>
public sealed partial class ShiraErrorsTests
{
    // Codes that are not errors and so have no factory.
    private static readonly ShiraErrorCode[] NoFactory = [ShiraErrorCode.None];

    private static MethodInfo[] Factories() =>
        typeof(ShiraErrors).GetMethods(BindingFlags.Public | BindingFlags.Static)
            .Where(m => m.ReturnType == typeof(ShiraException)).ToArray();

    [Fact]
    public void Every_code_has_exactly_one_public_factory_named_after_it()
    {
        var byName = Factories().GroupBy(m => m.Name).ToDictionary(g => g.Key, g => g.Count());
        var problems = new List<string>();
        foreach (var code in Enum.GetValues<ShiraErrorCode>().Except(NoFactory))
        {
            byName.TryGetValue(code.ToString(), out int n);
            if (n != 1) problems.Add($"{code}: {n} factories");
        }
        foreach (var name in byName.Keys)
            if (!Enum.TryParse<ShiraErrorCode>(name, out var c) || NoFactory.Contains(c)) problems.Add($"{name}: not named after a code");
        Assert.True(problems.Count == 0, string.Join("\n", problems));
    }

    [Fact]
    public void No_public_member_of_ShiraErrors_takes_a_code()
    {
        var generic = typeof(ShiraErrors).GetMethods(BindingFlags.Public | BindingFlags.Static)
            .Where(m => m.GetParameters().Any(p => p.ParameterType == typeof(ShiraErrorCode))).Select(m => m.Name).ToList();
        Assert.Empty(generic);
        Assert.DoesNotContain(typeof(ShiraException).GetConstructors(), c => c.IsPublic);
    }

    [Fact]
    public void Each_factory_makes_its_code_with_a_fixed_lead_phrase_and_the_location()
    {
        var leads = new Dictionary<string, ShiraErrorCode>(StringComparer.Ordinal);
        foreach (var m in Factories())
        {
            var code = Enum.Parse<ShiraErrorCode>(m.Name);
            var args = m.GetParameters().Select(p => p.Name switch
            {
                "detail" => (object?)"DETAIL",
                "file" => "FILE",
                "tensor" => "TENSOR",
                "offset" => (long?)42,
                _ => p.HasDefaultValue ? p.DefaultValue : null,
            }).ToArray();
            var e = (ShiraException)m.Invoke(null, args)!;
            Assert.Equal(code, e.Code);
            Assert.Equal("FILE", e.FilePath);
            Assert.EndsWith("DETAIL", e.Message, StringComparison.Ordinal);
            string lead = e.Message[..^"DETAIL".Length];
            Assert.True(lead.Length > 2, $"{code} has no lead phrase");
            // Two codes never read the same: the lead phrase tells the user which error this is.
            Assert.True(leads.TryAdd(lead, code), $"{code} and {leads.GetValueOrDefault(lead)} share the lead '{lead}'");
            if (m.GetParameters().Any(p => p.Name == "tensor"))
            {
                Assert.Equal("TENSOR", e.Tensor);
                Assert.Equal(42, e.Offset);
                Assert.Equal($"{e.CodeString} [FILE, tensor 'TENSOR', offset 42]: {e.Message}", e.ToString());
            }
        }
    }

    [Fact]
    public void The_lead_phrases_are_the_committed_ones()
    {
        // A changed lead phrase changes what users and scripts see for a code: do it here on purpose, not in passing.
        var actual = Factories().Select(m =>
            {
                var args = m.GetParameters().Select(p => p.Name == "detail" ? "DETAIL" : p.Name == "file" ? "FILE" : p.HasDefaultValue ? p.DefaultValue : null).ToArray();
                var e = (ShiraException)m.Invoke(null, args)!;
                return (Code: (int)e.Code, Line: $"{e.CodeString} {e.Code}: {e.Message}");
            })
            .OrderBy(x => x.Code).Select(x => x.Line).ToArray();
        string golden = Path.Combine(RepoPaths.Root, "tests", "Shira.Format.Tests", "Errors", "messages.txt");
        Assert.True(File.Exists(golden), $"missing {golden}; expected:\n{string.Join("\n", actual)}");
        Assert.Equal(File.ReadAllLines(golden), actual);
    }

    [Fact]
    public void Only_the_Errors_folder_constructs_ShiraException_and_no_code_calls_a_generic_factory()
    {
        string src = Path.Combine(RepoPaths.Root, "src");
        string errors = Path.Combine(src, "Shira.Format", "Errors") + Path.DirectorySeparatorChar;
        var offenders = new List<string>();
        foreach (var file in Directory.EnumerateFiles(src, "*.cs", SearchOption.AllDirectories))
        {
            if (file.Contains($"{Path.DirectorySeparatorChar}obj{Path.DirectorySeparatorChar}", StringComparison.Ordinal)
                || file.Contains($"{Path.DirectorySeparatorChar}bin{Path.DirectorySeparatorChar}", StringComparison.Ordinal)) continue;
            if (file.StartsWith(errors, StringComparison.Ordinal)) continue;
            var lines = File.ReadAllLines(file);
            for (int i = 0; i < lines.Length; i++)
            {
                string code = lines[i].TrimStart();
                if (code.StartsWith("//", StringComparison.Ordinal)) continue;
                if (Forbidden().IsMatch(code))
                    offenders.Add($"{Path.GetRelativePath(RepoPaths.Root, file)}:{i + 1}: {code}");
            }
        }
        Assert.True(offenders.Count == 0, "make errors with the code's factory in ShiraErrors:\n" + string.Join("\n", offenders));
    }

    [Fact]
    public void Libraries_report_a_wrong_call_as_an_argument_exception_not_as_Usage()
    {
        // Usage (exit 2) is the command line's code; a library refusing an argument throws ArgumentException, which the
        // commands print under it. Only the command and C-boundary layers may make Usage themselves.
        var offenders = new List<string>();
        foreach (var project in new[] { "Shira.Format", "Shira.Convert", "Shira.Runtime", "Shira.Training" })
        {
            string dir = Path.Combine(RepoPaths.Root, "src", project);
            foreach (var file in Directory.EnumerateFiles(dir, "*.cs", SearchOption.AllDirectories))
            {
                if (file.Contains($"{Path.DirectorySeparatorChar}obj{Path.DirectorySeparatorChar}", StringComparison.Ordinal)
                    || file.Contains($"{Path.DirectorySeparatorChar}Errors{Path.DirectorySeparatorChar}", StringComparison.Ordinal)) continue;
                var lines = File.ReadAllLines(file);
                for (int i = 0; i < lines.Length; i++)
                    if (lines[i].Contains("ShiraErrors.Usage(", StringComparison.Ordinal))
                        offenders.Add($"{Path.GetRelativePath(RepoPaths.Root, file)}:{i + 1}: {lines[i].Trim()}");
            }
        }
        Assert.True(offenders.Count == 0, "throw ArgumentException for a caller's mistake:\n" + string.Join("\n", offenders));
    }

    [Fact]
    public void The_source_scan_sees_what_it_forbids()
    {
        // The mutations the scan above must catch (its negative control): each is a line that would compile if the
        // constructor or a generic factory came back.
        Assert.Matches(Forbidden(), "throw new ShiraException(ShiraErrorCode.BadShape, \"x\");");
        Assert.Matches(Forbidden(), "return new Format.ShiraException(code, message);");
        Assert.Matches(Forbidden(), "ShiraErrors.Throw(ShiraErrorCode.Usage, \"x\");");
        Assert.Matches(Forbidden(), "throw ShiraErrors.Create(ShiraErrorCode.Usage, \"x\");");
        Assert.Matches(Forbidden(), "ShiraException e = new(ShiraErrorCode.IoError, m);");
        Assert.DoesNotMatch(Forbidden(), "throw ShiraErrors.BadShape(\"rank 5 is not in [1, 4]\", file);");
        Assert.DoesNotMatch(Forbidden(), "catch (ShiraException e) when (e.Code == ShiraErrorCode.IoError)");
    }

    [GeneratedRegex(@"new\s+(Shira\.)?(Format\.)?ShiraException\s*\(|ShiraException\s+\w+\s*=\s*new\s*\(|ShiraErrors\.(Create|Throw)\s*\(|\bnew\s*\(\s*ShiraErrorCode\.")]
    private static partial Regex Forbidden();
}
