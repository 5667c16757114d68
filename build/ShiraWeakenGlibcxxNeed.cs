// Compiled by RoslynCodeTaskFactory from TorchSharpGlibcxx.targets (netstandard reference set, so no spans or
// BinaryPrimitives: plain little-endian byte reads). Marks the GLIBCXX_3.4.32 version need of an ELF64 shared
// object weak when the host's libstdc++.so.6 does not define that version.
using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.IO;
using System.Text;
using Microsoft.Build.Framework;
using Microsoft.Build.Utilities;

public sealed class ShiraWeakenGlibcxxNeed : Task
{
    private const uint ShtGnuVerdef = 0x6ffffffd;
    private const uint ShtGnuVerneed = 0x6ffffffe;
    private const ushort VerFlgWeak = 0x2;

    /// <summary>The libLibTorchSharp.so copies to patch (in the build or publish output, never the package cache).</summary>
    [Required]
    public ITaskItem[] Files { get; set; } = Array.Empty<ITaskItem>();

    /// <summary>The version whose need is weakened (default GLIBCXX_3.4.32).</summary>
    public string Version { get; set; } = "GLIBCXX_3.4.32";

    /// <summary>Patch even when the build host's libstdc++ defines the version (the output may run elsewhere).</summary>
    public bool Force { get; set; }

    public override bool Execute()
    {
        string version = string.IsNullOrEmpty(Version) ? "GLIBCXX_3.4.32" : Version;
        string libstdcxx = FindHostLibstdcxx();
        if (!Force && libstdcxx != null && HostDefines(libstdcxx, version))
        {
            Log.LogMessage(MessageImportance.Normal,
                "TorchSharp glibcxx patch: {0} defines {1}; nothing to do.", libstdcxx, version);
            return true;
        }

        foreach (ITaskItem item in Files)
        {
            string path = item.GetMetadata("FullPath");
            try
            {
                PatchFile(path, version, libstdcxx);
            }
            catch (Exception e) when (e is IOException || e is UnauthorizedAccessException || e is InvalidDataException)
            {
                Log.LogWarning("TorchSharp glibcxx patch: cannot patch {0}: {1}", path, e.Message);
            }
        }
        return !Log.HasLoggedErrors;
    }

    private void PatchFile(string path, string version, string libstdcxx)
    {
        byte[] elf = File.ReadAllBytes(path);
        List<long> flagOffsets = FindVernauxFlagOffsets(elf, version);
        if (flagOffsets.Count == 0)
        {
            Log.LogMessage(MessageImportance.Low, "TorchSharp glibcxx patch: {0} does not need {1}.", path, version);
            return;
        }

        bool changed = false;
        foreach (long at in flagOffsets)
        {
            ushort flags = U16(elf, at);
            if ((flags & VerFlgWeak) != 0) continue;
            flags |= VerFlgWeak;
            elf[at] = (byte)flags;
            elf[at + 1] = (byte)(flags >> 8);
            changed = true;
        }
        if (!changed)
        {
            Log.LogMessage(MessageImportance.Normal,
                "TorchSharp glibcxx patch: {0} already needs {1} weakly.", path, version);
            return;
        }

        // Never write in place: the output copy may be a hard link into the NuGet cache. A sibling temp file
        // renamed over it replaces only this directory entry.
        DateTime stamp = File.GetLastWriteTimeUtc(path);
        string temp = path + ".shira-patch-" + Process.GetCurrentProcess().Id + ".tmp";
        try
        {
            File.WriteAllBytes(temp, elf);
            // Keep the original's timestamp so MSBuild's SkipUnchangedFiles (same size and time) does not copy the
            // unpatched file again on every incremental build.
            File.SetLastWriteTimeUtc(temp, stamp);
            // File.Replace with no backup is rename(2) on Unix: atomic, and the old inode is left untouched.
            File.Replace(temp, path, null);
        }
        finally
        {
            if (File.Exists(temp)) File.Delete(temp);
        }
        Log.LogMessage(MessageImportance.High,
            "TorchSharp glibcxx patch: marked the {0} need of {1} weak ({2}).",
            version, path, Force ? "forced by ShiraPatchTorchSharpGlibcxx=always"
                : (libstdcxx ?? "no libstdc++.so.6 found") + " lacks it");
    }

    /// <summary>The libstdc++.so.6 the dynamic loader would pick: LD_LIBRARY_PATH, then ld.so.cache (via
    /// <c>ldconfig -p</c>), then the standard directories.</summary>
    private string FindHostLibstdcxx()
    {
        var candidates = new List<string>();
        string ldPath = Environment.GetEnvironmentVariable("LD_LIBRARY_PATH");
        if (!string.IsNullOrEmpty(ldPath))
            foreach (string dir in ldPath.Split(':'))
                if (dir.Length > 0) candidates.Add(Path.Combine(dir, "libstdc++.so.6"));
        string cached = FromLdconfig();
        if (cached != null) candidates.Add(cached);
        candidates.Add("/lib/x86_64-linux-gnu/libstdc++.so.6");
        candidates.Add("/usr/lib/x86_64-linux-gnu/libstdc++.so.6");
        candidates.Add("/lib64/libstdc++.so.6");
        candidates.Add("/usr/lib64/libstdc++.so.6");
        candidates.Add("/usr/lib/libstdc++.so.6");
        foreach (string c in candidates)
            if (File.Exists(c)) return c;
        return null;
    }

    private static string FromLdconfig()
    {
        foreach (string exe in new[] { "/sbin/ldconfig", "/usr/sbin/ldconfig", "ldconfig" })
        {
            try
            {
                if (exe.StartsWith("/", StringComparison.Ordinal) && !File.Exists(exe)) continue;
                var psi = new ProcessStartInfo(exe, "-p")
                {
                    RedirectStandardOutput = true,
                    RedirectStandardError = true,
                    UseShellExecute = false,
                };
                using (Process p = Process.Start(psi))
                {
                    string output = p.StandardOutput.ReadToEnd();
                    p.WaitForExit(10000);
                    foreach (string line in output.Split('\n'))
                    {
                        // "	libstdc++.so.6 (libc6,x86-64) => /lib/x86_64-linux-gnu/libstdc++.so.6"
                        string t = line.Trim();
                        if (!t.StartsWith("libstdc++.so.6 ", StringComparison.Ordinal)) continue;
                        if (!t.Contains("x86-64")) continue;
                        int arrow = t.IndexOf("=> ", StringComparison.Ordinal);
                        if (arrow >= 0) return t.Substring(arrow + 3).Trim();
                    }
                    return null;
                }
            }
            catch (Exception e) when (e is System.ComponentModel.Win32Exception || e is IOException || e is InvalidOperationException)
            {
                // try the next location
            }
        }
        return null;
    }

    /// <summary>True when the library's .gnu.version_d defines <paramref name="version"/>; if it has no parseable
    /// version definitions, falls back to looking for the string.</summary>
    private bool HostDefines(string libstdcxx, string version)
    {
        byte[] elf;
        try { elf = File.ReadAllBytes(libstdcxx); }
        catch (IOException) { return false; }
        catch (UnauthorizedAccessException) { return false; }
        try
        {
            bool? defined = DefinesVersion(elf, version);
            if (defined.HasValue) return defined.Value;
        }
        catch (InvalidDataException e)
        {
            Log.LogMessage(MessageImportance.Low, "TorchSharp glibcxx patch: cannot parse {0}: {1}", libstdcxx, e.Message);
        }
        return IndexOf(elf, Encoding.ASCII.GetBytes(version + "\0")) >= 0;
    }

    // ---- ELF64 little-endian ---------------------------------------------------------------

    private struct Section
    {
        public uint Type;
        public long Offset;
        public long Size;
        public uint Link;
        public uint Info;
    }

    private static Section[] ReadSections(byte[] elf)
    {
        if (elf.Length < 64 || elf[0] != 0x7f || elf[1] != (byte)'E' || elf[2] != (byte)'L' || elf[3] != (byte)'F')
            throw new InvalidDataException("not an ELF file");
        if (elf[4] != 2 || elf[5] != 1) throw new InvalidDataException("not a little-endian ELF64 file");
        long shoff = (long)U64(elf, 0x28);
        int shentsize = U16(elf, 0x3a);
        int shnum = U16(elf, 0x3c);
        if (shentsize < 64 || shoff < 0 || shoff + (long)shnum * shentsize > elf.Length)
            throw new InvalidDataException("section header table outside the file");
        var sections = new Section[shnum];
        for (int i = 0; i < shnum; i++)
        {
            long h = shoff + (long)i * shentsize;
            sections[i].Type = U32(elf, h + 4);
            sections[i].Offset = (long)U64(elf, h + 0x18);
            sections[i].Size = (long)U64(elf, h + 0x20);
            sections[i].Link = U32(elf, h + 0x28);
            sections[i].Info = U32(elf, h + 0x2c);
            if (sections[i].Type != 8 /* SHT_NOBITS */ &&
                (sections[i].Offset < 0 || sections[i].Size < 0 || sections[i].Offset + sections[i].Size > elf.Length))
                throw new InvalidDataException("section " + i + " outside the file");
        }
        return sections;
    }

    private static string ReadName(byte[] elf, Section strtab, uint offset)
    {
        if (offset >= strtab.Size) throw new InvalidDataException("string offset outside its table");
        long start = strtab.Offset + offset;
        long end = start;
        long limit = strtab.Offset + strtab.Size;
        while (end < limit && elf[end] != 0) end++;
        return Encoding.ASCII.GetString(elf, (int)start, (int)(end - start));
    }

    /// <summary>File offsets of the vna_flags fields of every Vernaux entry named <paramref name="version"/>.</summary>
    private static List<long> FindVernauxFlagOffsets(byte[] elf, string version)
    {
        var result = new List<long>();
        Section[] sections = ReadSections(elf);
        foreach (Section s in sections)
        {
            if (s.Type != ShtGnuVerneed) continue;
            if (s.Link >= sections.Length) throw new InvalidDataException(".gnu.version_r links to no section");
            Section strtab = sections[s.Link];
            long end = s.Offset + s.Size;
            long need = s.Offset;
            // sh_info holds the number of Verneed entries; bound the walk by it and by the section.
            for (uint n = 0; n < s.Info; n++)
            {
                if (need + 16 > end) throw new InvalidDataException("Verneed outside .gnu.version_r");
                ushort cnt = U16(elf, need + 2);
                uint aux = U32(elf, need + 8);
                uint next = U32(elf, need + 12);
                long a = need + aux;
                for (int k = 0; k < cnt; k++)
                {
                    if (a + 16 > end || a < s.Offset) throw new InvalidDataException("Vernaux outside .gnu.version_r");
                    uint name = U32(elf, a + 8);
                    uint anext = U32(elf, a + 12);
                    if (ReadName(elf, strtab, name) == version) result.Add(a + 4);
                    if (anext == 0) break;
                    a += anext;
                }
                if (next == 0) break;
                need += next;
            }
        }
        return result;
    }

    /// <summary>Whether a .gnu.version_d section defines <paramref name="version"/>; null when there is none.</summary>
    private static bool? DefinesVersion(byte[] elf, string version)
    {
        Section[] sections = ReadSections(elf);
        bool sawVerdef = false;
        foreach (Section s in sections)
        {
            if (s.Type != ShtGnuVerdef) continue;
            sawVerdef = true;
            if (s.Link >= sections.Length) throw new InvalidDataException(".gnu.version_d links to no section");
            Section strtab = sections[s.Link];
            long end = s.Offset + s.Size;
            long def = s.Offset;
            for (uint n = 0; n < s.Info; n++)
            {
                if (def + 20 > end) throw new InvalidDataException("Verdef outside .gnu.version_d");
                ushort cnt = U16(elf, def + 6);
                uint aux = U32(elf, def + 12);
                uint next = U32(elf, def + 16);
                // The first Verdaux names the version itself; later ones name its parents.
                if (cnt > 0)
                {
                    long a = def + aux;
                    if (a + 8 > end || a < s.Offset) throw new InvalidDataException("Verdaux outside .gnu.version_d");
                    if (ReadName(elf, strtab, U32(elf, a)) == version) return true;
                }
                if (next == 0) break;
                def += next;
            }
        }
        return sawVerdef ? false : (bool?)null;
    }

    private static ushort U16(byte[] b, long at) => (ushort)(b[at] | (b[at + 1] << 8));

    private static uint U32(byte[] b, long at) =>
        (uint)(b[at] | (b[at + 1] << 8) | (b[at + 2] << 16) | (b[at + 3] << 24));

    private static ulong U64(byte[] b, long at) => U32(b, at) | ((ulong)U32(b, at + 4) << 32);

    private static int IndexOf(byte[] haystack, byte[] needle)
    {
        for (int i = 0; i + needle.Length <= haystack.Length; i++)
        {
            int j = 0;
            while (j < needle.Length && haystack[i + j] == needle[j]) j++;
            if (j == needle.Length) return i;
        }
        return -1;
    }
}
