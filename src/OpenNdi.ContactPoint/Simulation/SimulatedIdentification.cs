using OpenNdi.ContactPoint.Identification;
using System.Globalization;
using Hl7.Fhir.Model;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Primitives;
using OpenNdi.ContactPoint.Domain;
using OpenNdi.Fhir;

namespace OpenNdi.ContactPoint.Simulation;

/// <summary>
/// Patient identification at a simulated peer (ADR 0010 §1, §3, §6): the country's mask decides which traits are
/// required; every trait sent must match (identifier and birth date exactly; family and given names after folding
/// case, diacritics, hyphens and spaces; gender). One person: a searchset with that Patient. None: an empty searchset
/// with NDI-NCP-010. Several (the twins filed under one identifier): an empty searchset with NDI-NCP-011, and the
/// caller may add the given name.
/// </summary>
internal static class SimulatedIdentification
{
    private static readonly HashSet<string> Accepted = new(StringComparer.Ordinal) { "identifier", "family", "name", "given", "birthdate", "gender", "_elements", "_format" };

    public static IResult Identify(HttpContext http, SimulatedPeer peer, ForeignProfessional professional, IEnumerable<KeyValuePair<string, StringValues>> parameters)
    {
        var country = peer.Country;
        string? identifier = null, family = null, given = null, gender = null;
        DateOnly? birthDate = null;
        foreach (var (name, values) in parameters)
        {
            if (!Accepted.Contains(name))
                return Invalid(http, $"parameter '{name}' is not supported (identifier, family, given, birthdate, gender)", name);
            if (name is "_elements" or "_format")
                continue;
            if (name == "identifier")
            {
                // Identifiers of other systems are not ours to search by; only the country's own is read.
                foreach (var value in values.SelectMany(v => (v ?? "").Split(',')))
                {
                    var bar = value.IndexOf('|', StringComparison.Ordinal);
                    if (bar <= 0 || bar == value.Length - 1)
                        return Invalid(http, $"identifier '{value}' must be system|value", "identifier");
                    if (value[..bar] != country.IdentifierSystem)
                        continue;
                    if (identifier is not null && identifier != value[(bar + 1)..])
                        return Invalid(http, $"only one {country.IdentifierSystem} identifier may be sent", "identifier");
                    identifier = value[(bar + 1)..];
                }
                continue;
            }
            if (values.Count != 1 || string.IsNullOrWhiteSpace(values[0]))
                return Invalid(http, $"parameter '{name}' must be given once, with a value", name);
            var single = values[0]!.Trim();
            switch (name)
            {
                case "family" or "name":
                    family = single;
                    break;
                case "given":
                    given = single;
                    break;
                case "gender":
                    gender = single;
                    break;
                case "birthdate":
                    var date = single.StartsWith("eq", StringComparison.Ordinal) ? single[2..] : single;
                    if (!DateOnly.TryParseExact(date, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var day))
                        return Invalid(http, $"birthdate '{single}' must be a full date (yyyy-MM-dd, optionally eq)", "birthdate");
                    birthDate = day;
                    break;
            }
        }

        foreach (var trait in country.Mask)
        {
            var (missing, parameter) = trait switch
            {
                SimulatedTrait.Identifier => (identifier is null, $"identifier ({country.IdentifierSystem})"),
                SimulatedTrait.BirthDate => (birthDate is null, "birthdate"),
                _ => (family is null, "family"),
            };
            if (missing)
                return FhirResults.Error(StatusCodes.Status400BadRequest, "NDI-NCP-012", OperationOutcome.IssueType.Required,
                    $"{country.Name}'s identification mask requires {string.Join(", ", country.Mask)}; {parameter} is missing", parameter.Split(' ')[0]);
        }
        if (!country.IsWellFormedIdentifier(identifier!))
            return Invalid(http, $"identifier {identifier} is not a well-formed {country.IdentifierSystem} identifier (form or check digit)", "identifier");
        if (SimulatedPeerEndpoints.NotTreated(professional, country.IdentifierSystem, identifier!) is { } refusal)
            return SimulatedPeerEndpoints.Refuse(http, refusal);

        var matches = country.Patients.Where(p => p.Identifier == identifier
            && (birthDate is null || p.BirthDate == birthDate)
            && (family is null || NameFolding.Fold(p.Family) == NameFolding.Fold(family))
            && (given is null || NameFolding.Fold(p.Given) == NameFolding.Fold(given))
            && (gender is null || gender == (p.Gender == SimulatedGender.Female ? "female" : "male"))).ToList();

        var searchset = new Bundle { Type = Bundle.BundleType.Searchset, Id = Guid.NewGuid().ToString(), Total = 0 };
        if (matches is [var match])
        {
            var patient = SimulatedDocuments.Patient(match, country, null, null);
            searchset.Total = 1;
            searchset.Entry.Add(new Bundle.EntryComponent
            {
                FullUrl = $"{peer.BaseUrl}/Patient/{patient.Id}",
                Resource = patient,
                Search = new Bundle.SearchComponent { Mode = Bundle.SearchEntryMode.Match },
            });
        }
        else
        {
            searchset.Entry.Add(new Bundle.EntryComponent
            {
                FullUrl = $"urn:uuid:{Guid.NewGuid()}",
                Resource = matches.Count == 0
                    ? Outcomes.Issue(OperationOutcome.IssueSeverity.Information, "NDI-NCP-010", OperationOutcome.IssueType.NotFound, "No patient matches the identifier and demographics sent.")
                    : Outcomes.Issue(OperationOutcome.IssueSeverity.Warning, "NDI-NCP-011", OperationOutcome.IssueType.MultipleMatches,
                        "The traits sent match more than one person; add the given name."),
                Search = new Bundle.SearchComponent { Mode = Bundle.SearchEntryMode.Outcome },
            });
        }
        http.Response.Headers.CacheControl = "no-store";
        return FhirResults.Resource(searchset);
    }

    private static IResult Invalid(HttpContext http, string message, string parameter) =>
        FhirResults.Error(StatusCodes.Status400BadRequest, "NDI-NCP-012", OperationOutcome.IssueType.Invalid, message, parameter);
}
