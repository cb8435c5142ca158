namespace OpenNdi.Core.ServiceDirectory;

/// <summary>
/// One recorded version of a directory entry (an endpoint, organization, location or healthcare service): who
/// changed it, when, and what it became (null when deleted). FHIR <c>_history</c> is built from these.
/// </summary>
public sealed record DirectoryChange<TEntry>(string EntryId, int Version, DateTimeOffset ChangedAt, string ChangedBy, TEntry? Entry)
    where TEntry : class;
