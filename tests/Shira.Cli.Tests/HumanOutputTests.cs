using Shira.Cli.Infrastructure;
using Shira.Testing;

namespace Shira.Cli.Tests;

/// <summary>Issue 10 §4, human output: tab-separated rows when standard output is not a terminal, tables that fit the
/// terminal, natural order of layers, density printed one way, --quiet.</summary>
public sealed class HumanOutputTests
{
    private static string Example => Path.Combine(RepoPaths.Peft, "llama_tiny");

    [Fact]
    public void Redirected_output_is_tab_separated_rows_without_box_drawing()
    {
        using var dir = new TempDir();
        string path = dir.File("a.shira");
        ExampleAdapters.Write(path);
        var (exit, output, _) = CliHarness.Run("inspect", path);
        Assert.Equal(0, exit);
        Assert.DoesNotContain("│", output);
        Assert.DoesNotContain("─", output);
        var lines = output.Split('\n');
        int header = Array.IndexOf(lines, "# Tensors") + 1;
        var columns = lines[header].Split('\t');
        Assert.Equal("Tensor", columns[0]);
        // Every data row has as many fields as the header: `cut -f` works.
        for (int i = header + 1; lines[i].Length > 0; i++) Assert.Equal(columns.Length, lines[i].Split('\t').Length);
        Assert.Contains("nnz\t500", lines);
    }

    [Fact]
    public void Layers_are_listed_in_natural_order_in_text_and_json()
    {
        using var dir = new TempDir();
        string path = dir.File("layers.shira");
        ExampleAdapters.WriteLayers(path, 10, 2, 1, 11, 0);
        string[] expected = ["model.layers.0.mlp.weight", "model.layers.1.mlp.weight", "model.layers.2.mlp.weight",
            "model.layers.10.mlp.weight", "model.layers.11.mlp.weight"];

        var (exit, output, _) = CliHarness.Run("inspect", path);
        Assert.Equal(0, exit);
        var names = output.Split('\n').Where(l => l.StartsWith("model.layers.", StringComparison.Ordinal)).Select(l => l.Split('\t')[0]);
        Assert.Equal(expected, names);

        var json = OutputSchemas.AssertValid("inspect", CliHarness.Run("inspect", path, "--json").Out);
        Assert.Equal(expected, json["tensors"]!.AsArray().Select(t => (string?)t!["tensor"]));
    }

    [Fact]
    public void Natural_order_compares_digit_runs_by_value()
    {
        string[] sorted = ["a", "a.1", "a.2", "a.02x", "a.10", "a.10.b", "b1", "b01.x", "b9", "b10", "b99999999999999999999999"];
        var shuffled = sorted.Reverse().ToList();
        shuffled.Sort(NaturalComparer.Instance);
        Assert.Equal(sorted, shuffled);
        Assert.NotEqual(0, NaturalComparer.Instance.Compare("x01", "x1")); // a total order: equal values still differ
    }

    [Fact]
    public void Density_is_a_percentage_in_every_human_output_and_a_fraction_in_json()
    {
        using var dir = new TempDir();
        var (exit, output, _) = CliHarness.Run("convert", Path.Combine(Example, "lora"), "-o", dir.File("a.shira"), "--density", "0.25");
        Assert.Equal(0, exit);
        Assert.Contains("density\t25%", output.Split('\n'));
        Assert.All(output.Split('\n').Where(l => l.StartsWith("model.", StringComparison.Ordinal)), l => Assert.Equal("25%", l.Split('\t')[5]));

        (exit, output, _) = CliHarness.Run("inspect", dir.File("a.shira"));
        Assert.Equal(0, exit);
        Assert.Contains("density\t25%", output.Split('\n'));
        Assert.All(output.Split('\n').Where(l => l.StartsWith("model.", StringComparison.Ordinal)), l => Assert.Equal("25%", l.Split('\t')[6]));

        Assert.Equal("5.03%", TextFormat.Density(0.0503));
        Assert.Equal("0.001%", TextFormat.Density(0.00001));
        Assert.Equal("1.234E-5%", TextFormat.Density(1.234e-7));
        Assert.Equal("0%", TextFormat.Density(0));
        Assert.Equal("100%", TextFormat.Density(1));
    }

    [Theory]
    [InlineData(60)]
    [InlineData(80)]
    [InlineData(120)]
    public void Tables_fit_the_terminal_and_never_split_a_number(int width)
    {
        var report = new Report("inspect");
        string[] numbers = ["123456789012", "0.000123457", "98.765%", "4096"];
        report.Table("Tensors",
            [Column.Text("Tensor"), Column.Number("Nnz"), Column.Number("Scale"), Column.Number("Density"), Column.Number("Numel")],
            [["model.layers.17.self_attn.q_proj.weight.with.a.long.name", .. numbers], ["short", "1", "2", "3%", "4"]]);
        report.Summary("file", "/a/rather/long/path/to/some/adapter/that/does/not/fit/on/one/narrow/terminal/line.shira")
            .Summary("nnz", 123456789012L);
        var output = new StringWriter { NewLine = "\n" };
        using (CliConsole.UseTerminal(output, new StringWriter(), width)) report.Print();
        var lines = output.ToString().Split('\n');
        Assert.All(lines, l => Assert.True(l.Length <= width, $"{l.Length} > {width}: {l}"));
        Assert.Contains(lines, l => l.Contains('│'));
        foreach (var n in numbers) Assert.Contains(lines, l => l.Contains(n, StringComparison.Ordinal));
    }

    [Fact]
    public void Quiet_prints_nothing_on_success_but_still_prints_errors_and_json()
    {
        using var dir = new TempDir();
        string lora = Path.Combine(Example, "lora");
        var run = CliHarness.Run("convert", lora, "-o", dir.File("a.shira"), "--quiet");
        Assert.Equal((0, "", ""), run);
        Assert.True(File.Exists(dir.File("a.shira")));

        run = CliHarness.Run("-q", "convert", lora, "-o", dir.File("a.shira"));
        Assert.Equal(2, run.Exit);
        Assert.Contains("SHIRA-E9010", run.Err);

        run = CliHarness.Run("inspect", dir.File("a.shira"), "--quiet", "--json");
        Assert.Equal(0, run.Exit);
        OutputSchemas.AssertValid("inspect", run.Out);
    }
}
