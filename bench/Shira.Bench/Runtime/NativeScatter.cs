using System.Diagnostics;
using System.Runtime.InteropServices;

namespace Shira.Bench.Runtime;

/// <summary>
/// The practical limit: a C scatter loop over pre-decoded u32 indices and f32 values, compiled at run time with
/// <c>gcc -O3 -march=native -fopenmp -shared</c> and called through function pointers, on the same cores. The bf16
/// loop rounds to nearest even like the runtime does; neither keeps originals (the runtime does, for revert).
/// </summary>
internal sealed unsafe class NativeScatter : IDisposable
{
    private const string Source = """
        #include <stdint.h>
        #include <string.h>
        void scatter_add_f32(float* restrict w, const uint32_t* restrict idx, const float* restrict v, long n, float s) {
            #pragma omp parallel for schedule(static)
            for (long k = 0; k < n; k++) w[idx[k]] += s * v[k];
        }
        static inline float bf16_to_f32(uint16_t b) { uint32_t u = (uint32_t)b << 16; float f; memcpy(&f, &u, 4); return f; }
        static inline uint16_t f32_to_bf16(float f) {
            uint32_t u; memcpy(&u, &f, 4);
            if ((u & 0x7fffffffu) > 0x7f800000u) return (uint16_t)((u >> 16) | 0x40);
            u += 0x7fffu + ((u >> 16) & 1u);
            return (uint16_t)(u >> 16);
        }
        void scatter_add_bf16(uint16_t* restrict w, const uint32_t* restrict idx, const float* restrict v, long n, float s) {
            #pragma omp parallel for schedule(static)
            for (long k = 0; k < n; k++) w[idx[k]] = f32_to_bf16(bf16_to_f32(w[idx[k]]) + s * v[k]);
        }
        """;

    private readonly nint _lib;
    private readonly string _dir;
    private readonly delegate* unmanaged<float*, uint*, float*, long, float, void> _f32;
    private readonly delegate* unmanaged<ushort*, uint*, float*, long, float, void> _bf16;

    private NativeScatter(nint lib, string dir)
    {
        _lib = lib;
        _dir = dir;
        _f32 = (delegate* unmanaged<float*, uint*, float*, long, float, void>)NativeLibrary.GetExport(lib, "scatter_add_f32");
        _bf16 = (delegate* unmanaged<ushort*, uint*, float*, long, float, void>)NativeLibrary.GetExport(lib, "scatter_add_bf16");
    }

    /// <summary>Compiles and loads the loop; null (with the reason) when gcc is missing or fails.</summary>
    public static NativeScatter? TryCreate(out string reason)
    {
        string dir = Path.Combine(Path.GetTempPath(), "shira-bench-native-" + Environment.ProcessId);
        Directory.CreateDirectory(dir);
        string c = Path.Combine(dir, "scatter.c"), so = Path.Combine(dir, "libscatter.so");
        File.WriteAllText(c, Source);
        try
        {
            var psi = new ProcessStartInfo("gcc", ["-O3", "-march=native", "-fopenmp", "-shared", "-fPIC", "-o", so, c])
            { RedirectStandardError = true, UseShellExecute = false };
            using var p = Process.Start(psi)!;
            string err = p.StandardError.ReadToEnd();
            p.WaitForExit();
            if (p.ExitCode != 0) { reason = "gcc failed: " + err; return null; }
        }
        catch (System.ComponentModel.Win32Exception e) { reason = "gcc not found: " + e.Message; return null; }
        reason = "gcc -O3 -march=native -fopenmp -shared";
        return new NativeScatter(NativeLibrary.Load(so), dir);
    }

    public void AddF32(nint w, uint[] idx, float[] v, float s)
    {
        fixed (uint* i = idx) fixed (float* pv = v) _f32((float*)w, i, pv, idx.Length, s);
    }

    public void AddBF16(nint w, uint[] idx, float[] v, float s)
    {
        fixed (uint* i = idx) fixed (float* pv = v) _bf16((ushort*)w, i, pv, idx.Length, s);
    }

    public void Dispose()
    {
        NativeLibrary.Free(_lib);
        // A scratch folder: leaving it behind is harmless.
        try { Directory.Delete(_dir, recursive: true); }
        catch (IOException) { }
        catch (UnauthorizedAccessException) { }
    }
}
