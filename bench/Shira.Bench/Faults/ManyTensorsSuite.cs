using System.Globalization;
using Shira.Format;
using Shira.Format.Container;
using Shira.Format.Safetensors;

namespace Shira.Bench.Faults;

/// <summary>
/// Generates the many-tensor inputs of issue 9 §4 (a 300k-tensor .shira file; a PEFT SHiRA folder with 150k modules and
/// its base) into a folder, for <c>bench/manytensors.sh</c>, which times and measures peak memory of `shira validate`,
/// `shira inspect` (text and JSON) and `shira convert` on them.
/// Usage: <c>manytensors DIR [TENSORS=300000]</c>.
/// </summary>
internal static class ManyTensorsSuite
{
    public static int Run(string[] args)
    {
        if (args.Length < 1) { Console.Error.WriteLine("usage: manytensors DIR [TENSORS]"); return 2; }
        string dir = args[0];
        int n = args.Length > 1 ? int.Parse(args[1], CultureInfo.InvariantCulture) : 300_000;
        Directory.CreateDirectory(dir);
        WriteShira(Path.Combine(dir, "many.shira"), n);
        WritePeft(dir, n / 2);
        Console.WriteLine($"wrote {dir}/many.shira ({n} tensors), {dir}/peft ({n / 2} SHiRA modules) and {dir}/base.safetensors");
        return 0;
    }

    private static string Name(int i) => "model.layers." + i.ToString("D7", CultureInfo.InvariantCulture) + ".proj.weight";

    /// <summary>n tensors of 8×8 with 3 entries each, distinct index sets.</summary>
    public static void WriteShira(string path, int n)
    {
        ShiraWriter.WriteFile(path, new AdapterMetadata { Name = "many" }, w =>
        {
            for (int i = 0; i < n; i++)
                w.AddTensor(new TensorSpec { Name = Name(i), Shape = [8, 8], BaseDType = DType.F32, ValueDType = ValueDType.F32 },
                    [i % 8, 20 + i % 7, 63], [1f, 2f, 3f]);
        });
    }

    private static void WritePeft(string dir, int modules)
    {
        var peft = Path.Combine(dir, "peft");
        Directory.CreateDirectory(peft);
        var sources = new List<SafetensorsTensorSource>(modules * 2);
        var baseSources = new List<SafetensorsTensorSource>(modules);
        var idx = new byte[4 * 8];
        BitConverter.TryWriteBytes(idx.AsSpan(0), 1L); BitConverter.TryWriteBytes(idx.AsSpan(8), 5L);   // rows
        BitConverter.TryWriteBytes(idx.AsSpan(16), 2L); BitConverter.TryWriteBytes(idx.AsSpan(24), 3L); // cols
        var wts = new byte[8];
        BitConverter.TryWriteBytes(wts.AsSpan(0), 0.5f); BitConverter.TryWriteBytes(wts.AsSpan(4), -0.25f);
        for (int i = 0; i < modules; i++)
        {
            string m = "base_model.model.model.layers." + i.ToString("D7", CultureInfo.InvariantCulture) + ".proj";
            sources.Add(SafetensorsTensorSource.FromBytes(m + ".shira_indices", DType.I64, [2, 2], idx));
            sources.Add(SafetensorsTensorSource.FromBytes(m + ".shira_weight", DType.F32, [2], wts));
            baseSources.Add(SafetensorsTensorSource.FromBytes(Name(i), DType.F32, [8, 8], new byte[256]));
        }
        SafetensorsWriter.WriteFile(Path.Combine(peft, "adapter_model.safetensors"), sources);
        SafetensorsWriter.WriteFile(Path.Combine(dir, "base.safetensors"), baseSources);
        File.WriteAllText(Path.Combine(peft, "adapter_config.json"),
            """{"peft_type": "SHIRA", "r": 2, "mask_type": "random", "target_modules": ["proj"], "fan_in_fan_out": false}""");
    }
}
