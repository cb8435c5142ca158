using System.Security.Cryptography;
using System.Text.Json;
using Microsoft.AspNetCore.DataProtection;

namespace OpenNdi.ContactPoint.Documents;

/// <summary>
/// What a document search promised a peer: the patient, the document class (LOINC <c>60591-5</c> summary,
/// <c>57833-6</c> prescription), the prescription when one, the peer and the assertion it was found for, and until when.
/// </summary>
public sealed record DocumentHandle(string Patient, string DocumentClass, string? Prescription, string Peer, string AssertionId, DateTimeOffset ExpiresAt);

/// <summary>How a handle read back.</summary>
public enum HandleStatus
{
    Valid,

    /// <summary>Ours and intact, but past its time (the peer hears 410 Gone).</summary>
    Expired,

    /// <summary>Not one we made, or altered (404: nothing to tell).</summary>
    Unknown,
}

/// <summary>
/// Document ids in attachment urls are sealed handles, not rows (ADR 0010 §1): the handle is authenticated and
/// encrypted by ASP.NET Core Data Protection under its own purpose, so a peer can neither read the patient from it nor
/// forge one, and nothing clinical is kept between a search and a retrieval. The expiry is checked on the host's
/// <see cref="TimeProvider"/>. Every replica must share the key ring (<c>ContactPoint:HandleKeys</c>).
/// </summary>
public sealed class DocumentHandles(IDataProtectionProvider protection, TimeProvider time)
{
    /// <summary>How long a search's handles stay good: a retrieval follows its search within a consultation.</summary>
    public static readonly TimeSpan Lifetime = TimeSpan.FromMinutes(15);

    private readonly IDataProtector _protector = protection.CreateProtector("OpenNdi.ContactPoint.DocumentHandle.v1");

    public string Seal(string patient, string documentClass, string? prescription, string peer, string assertionId) =>
        _protector.Protect(JsonSerializer.Serialize(new DocumentHandle(patient, documentClass, prescription, peer, assertionId, time.GetUtcNow() + Lifetime)));

    public (HandleStatus Status, DocumentHandle? Handle) Open(string sealedHandle)
    {
        DocumentHandle? handle;
        try
        {
            handle = JsonSerializer.Deserialize<DocumentHandle>(_protector.Unprotect(sealedHandle));
        }
        catch (Exception e) when (e is CryptographicException or FormatException or JsonException)
        {
            return (HandleStatus.Unknown, null);
        }
        if (handle is null)
            return (HandleStatus.Unknown, null);
        return time.GetUtcNow() >= handle.ExpiresAt ? (HandleStatus.Expired, handle) : (HandleStatus.Valid, handle);
    }
}
