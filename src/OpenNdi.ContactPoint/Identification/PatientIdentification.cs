using Microsoft.AspNetCore.Http;
using OpenNdi.ContactPoint.Ports;
using OpenNdi.Core.Identifiers;
using OpenNdi.Core.Population;

namespace OpenNdi.ContactPoint.Identification;

/// <summary>How an identification ended. Only <see cref="Identified"/> tells the peer anything about a person.</summary>
public abstract record IdentificationOutcome
{
    /// <summary>One person matches every trait sent, and the policy lets the professional know of them.</summary>
    public sealed record Identified(Person Person) : IdentificationOutcome;

    /// <summary>
    /// Nobody to tell of: no such person, demographics that disagree, an opted-out patient, a protected identity.
    /// The peer hears the same for each; <paramref name="AuditReason"/> is for the log alone.
    /// </summary>
    public sealed record NotFound(string AuditReason, string? Patient = null) : IdentificationOutcome;

    /// <summary>The identifiers sent name more than one person: refused, since we cannot tell which one is treated.</summary>
    public sealed record Ambiguous(IReadOnlyList<PersonalIdentityNumber> Candidates) : IdentificationOutcome;
}

/// <summary>
/// Identification of a Swedish patient for a professional abroad (Sweden as the country of affiliation; ADR 0010 §3):
/// the identity numbers exactly, the birth date exactly, the family name after folding case, diacritics and spaces.
/// </summary>
public sealed class PatientIdentification(INationalRecords records)
{
    public async Task<IdentificationOutcome> IdentifyAsync(HttpContext http, IReadOnlyList<PersonalIdentityNumber> numbers, IdentificationTraits traits)
    {
        var cancellationToken = http.RequestAborted;
        var found = new List<Person>();
        foreach (var number in numbers)
        {
            if (await records.FindPersonAsync(number, cancellationToken) is { } person && found.All(p => p.Id != person.Id))
                found.Add(person);
        }
        if (found.Count > 1)
            return new IdentificationOutcome.Ambiguous([.. found.Select(p => p.Id)]);
        if (found.Count == 0)
            return new IdentificationOutcome.NotFound($"no person registered under {string.Join(", ", numbers.Select(n => n.Value))}");
        var match = found[0];
        if (match.BirthDate != traits.BirthDate)
            return new IdentificationOutcome.NotFound("the birth date sent differs from the register's", match.Id.Value);
        if (NameFolding.Fold(match.FamilyName) != NameFolding.Fold(traits.Family!))
            return new IdentificationOutcome.NotFound("the family name sent differs from the register's", match.Id.Value);
        if (traits.Gender is ("male" or "female") and var gender && gender != (match.Sex == Sex.Female ? "female" : "male"))
            return new IdentificationOutcome.NotFound("the gender sent differs from the register's", match.Id.Value);
        if (await records.IsProtectedAsync(match.Id, cancellationToken))
            return new IdentificationOutcome.NotFound("protected identity: never identified across borders", match.Id.Value);
        if (!await records.MayIdentifyAsync(http, match.Id))
            return new IdentificationOutcome.NotFound("the patient has opted out of sharing (no share with this professional)", match.Id.Value);
        return new IdentificationOutcome.Identified(match);
    }
}
