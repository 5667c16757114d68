using System.Runtime.CompilerServices;
using Shira.Format.Container;

namespace Shira.Native;

/// <summary>Library-wide exports of libshira: version, errors, validation, open/close, memory.</summary>
internal static unsafe partial class Exports
{
    private static readonly string LibraryVersion =
        typeof(ShiraReader).Assembly.GetName().Version?.ToString(3) ?? "0.0.0";

    [UnmanagedCallersOnly(EntryPoint = "shira_version")]
    public static byte* Version()
    {
        try { return NativeStrings.Static(LibraryVersion); }
        catch (Exception) { return null; }
    }

    [UnmanagedCallersOnly(EntryPoint = "shira_abi_version")]
    public static int AbiVersion() => NativeAbi.Version;

    [UnmanagedCallersOnly(EntryPoint = "shira_last_error")]
    public static byte* GetLastError()
    {
        try { return LastError.Get; }
        catch (Exception) { return null; }
    }

    [UnmanagedCallersOnly(EntryPoint = "shira_free")]
    public static void Free(void* p) => NativeMemory.Free(p);

    [UnmanagedCallersOnly(EntryPoint = "shira_error_name")]
    public static byte* ErrorName(int code)
    {
        try
        {
            var c = (ShiraErrorCode)code;
            return NativeStrings.Static(code != 0 && Enum.IsDefined(c) ? c.ToString() : "");
        }
        catch (Exception) { return null; }
    }

    [UnmanagedCallersOnly(EntryPoint = "shira_validate")]
    public static int Validate(byte* path, NativeIssue* issue, byte** issuesJson) =>
        Boundary.Run((nint)path, p =>
        {
            var file = NativeStrings.Read((byte*)p, "path");
            var report = ShiraReader.ValidateFile(file);
            byte* json = issuesJson is null ? null : NativeStrings.Alloc(NativeJson.Issues(report));
            if (issue is not null)
            {
                *issue = default;
                issue->Offset = -1;
                issue->Count = report.Issues.Count;
                if (!report.IsValid)
                {
                    var first = report.Issues[0];
                    issue->Code = (int)first.Code;
                    issue->Offset = first.Offset ?? -1;
                    issue->Name = NativeStrings.Alloc(first.Code.ToString());
                    issue->Tensor = first.Tensor is null ? null : NativeStrings.Alloc(first.Tensor);
                    issue->Message = NativeStrings.Alloc(ShiraException.FormatLine(first.Code, first.Message, file, first.Tensor, first.Offset));
                }
            }
            if (issuesJson is not null) *issuesJson = json;
            if (report.IsValid) return 0;
            var f = report.Issues[0];
            LastError.Set(ShiraException.FormatLine(f.Code, f.Message, file, f.Tensor, f.Offset));
            return (int)f.Code;
        });

    [UnmanagedCallersOnly(EntryPoint = "shira_issue_clear")]
    public static void IssueClear(NativeIssue* issue)
    {
        if (issue is null) return;
        NativeMemory.Free(issue->Name);
        NativeMemory.Free(issue->Tensor);
        NativeMemory.Free(issue->Message);
        *issue = default;
        issue->Offset = -1;
    }

    [UnmanagedCallersOnly(EntryPoint = "shira_open")]
    public static int Open(byte* path, nint* result) =>
        Boundary.Run((nint)path, p =>
        {
            if (result is null) throw NativeErrors.Null("out");
            *result = 0;
            var file = NativeStrings.Read((byte*)p, "path");
            var reader = ShiraReader.Open(file);
            try
            {
                *result = HandleTable.Add(new NativeAdapter(reader));
            }
            catch
            {
                reader.Dispose();
                throw;
            }
            return 0;
        });

    [UnmanagedCallersOnly(EntryPoint = "shira_close")]
    public static int Close(nint handle) =>
        Boundary.Run(handle, h =>
        {
            if (h == 0) return 0;
            if (!HandleTable.Remove(h))
                throw ShiraErrors.NativeInvalidHandle($"0x{h:x} is not an open adapter handle (never opened, or closed)");
            return 0;
        });

    /// <summary>Checks a caller buffer of <paramref name="capacity"/> units against <paramref name="needed"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void CheckBuffer(void* dst, ulong capacity, ulong needed, string what)
    {
        if (dst is null && needed > 0) throw NativeErrors.Null(what);
        if (capacity < needed) throw NativeErrors.TooSmall(what, capacity, needed);
    }
}
