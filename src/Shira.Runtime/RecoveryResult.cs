namespace Shira.Runtime;

/// <summary>What <see cref="BaseModel.Recover"/> found and did.</summary>
/// <param name="BasePath">The base checkpoint.</param>
/// <param name="JournalFound">Whether a journal existed.</param>
/// <param name="RolledBack">Interrupted operations rolled back (each restoring the originals it had recorded).</param>
/// <param name="PositionsRestored">Base positions written back.</param>
/// <param name="Discarded">Incomplete journal files deleted (an operation that had not started writing).</param>
/// <param name="StillApplied">Adapters that remain applied in place (committed), oldest first.</param>
public sealed record RecoveryResult(string BasePath, bool JournalFound, int RolledBack, long PositionsRestored,
    int Discarded, IReadOnlyList<string> StillApplied);
