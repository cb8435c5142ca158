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
    private static bool Matches(Person person, IdentificationTraits traits) =>
        person.BirthDate == traits.BirthDate
        && NameFolding.Fold(person.FamilyName) == NameFolding.Fold(traits.Family!)
        && (traits.Gender is not ("male" or "female") || traits.Gender == (person.Sex == Sex.Female ? "female" : "male"));

    private static string Differences(Person person, IdentificationTraits traits) => string.Join(", ", new[]
    {
        person.BirthDate != traits.BirthDate ? "birth date" : null,
        NameFolding.Fold(person.FamilyName) != NameFolding.Fold(traits.Family!) ? "family name" : null,
        traits.Gender is ("male" or "female") && traits.Gender != (person.Sex == Sex.Female ? "female" : "male") ? "gender" : null,
    }.OfType<string>());

    public async Task<IdentificationOutcome> IdentifyAsync(HttpContext http, IReadOnlyList<PersonalIdentityNumber> numbers, IdentificationTraits traits)
    {
        var cancellationToken = http.RequestAborted;
        var registered = new List<Person>();
        foreach (var number in numbers)
        {
            if (await records.FindPersonAsync(number, cancellationToken) is { } person && registered.All(p => p.Id != person.Id))
                registered.Add(person);
        }
        if (registered.Count == 0)
            return new IdentificationOutcome.NotFound($"no person registered under {string.Join(", ", numbers.Select(n => n.Value))}");
        // Only persons who match every trait sent count: an identifier of someone else, with other demographics, says
        // nothing to the peer (it is not found), and an ambiguous answer arises only for persons the peer described.
        var matching = registered.Where(p => Matches(p, traits)).ToList();
        if (matching.Count > 1)
            return new IdentificationOutcome.Ambiguous([.. matching.Select(p => p.Id)]);
        if (matching.Count == 0)
            return new IdentificationOutcome.NotFound($"the demographics sent differ from the register's ({Differences(registered[0], traits)})", registered[0].Id.Value);
        var match = matching[0];
        return await HiddenAsync(http, match.Id) is { } hidden
            ? new IdentificationOutcome.NotFound(hidden, match.Id.Value)
            : new IdentificationOutcome.Identified(match);
    }

    /// <summary>
    /// Why a registered patient is never told of across borders (a protected identity; an opt-out without a share with
    /// this professional), or null when they may be. Identification and every later step ask this one question.
    /// </summary>
    public async Task<string?> HiddenAsync(HttpContext http, PersonalIdentityNumber patient)
    {
        if (await records.IsProtectedAsync(patient, http.RequestAborted))
            return "protected identity: never identified across borders";
        if (!await records.MayIdentifyAsync(http, patient))
            return "the patient has opted out of sharing (no share with this professional)";
        return null;
    }
}
