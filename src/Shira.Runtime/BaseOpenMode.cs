namespace Shira.Runtime;

/// <summary>How <see cref="BaseModel.Open"/> maps the base checkpoint.</summary>
public enum BaseOpenMode
{
    /// <summary>A private (copy-on-write) mapping: writes stay in this process, the file on disk never changes.</summary>
    CopyOnWrite = 0,
    /// <summary>A shared read-write mapping: the file itself is patched, every change protected by a journal
    /// (<c>BASE.shira-journal/</c>) so that a crash at any moment can be rolled back by <see cref="BaseModel.Recover"/>.</summary>
    InPlace = 1,
    /// <summary>The tensors are read into writable native memory; the file is closed after loading.</summary>
    Memory = 2,
}
