using System.Globalization;
using Microsoft.AspNetCore.Http;
using OpenNdi.ContactPoint.Domain;

namespace OpenNdi.ContactPoint.Identification;

/// <summary>
/// What a peer sends to identify a patient (the NCPeH API's patient identification, FHIR search parameters, ADR 0010
/// §1/§3): identifiers (<c>system|value</c>), family and given name, birth date and gender.
/// </summary>
public sealed record IdentificationTraits(IReadOnlyList<(string System, string Value)> Identifiers, string? Family, string? Given, DateOnly? BirthDate, string? Gender)
{
    private static readonly HashSet<string> Accepted = new(StringComparer.Ordinal)
    {
        "identifier", "family", "name", "given", "birthdate", "gender", "_elements", "_format",
    };

    /// <summary>
    /// Reads the search parameters of a <c>GET</c> query or a <c>POST _search</c> form. A parameter we do not know, a
    /// malformed identifier or date, or a repeated demographic is an error about the request (400), never about the patient.
    /// </summary>
    public static (IdentificationTraits? Traits, NcpRefusal? Error) Read(IEnumerable<KeyValuePair<string, Microsoft.Extensions.Primitives.StringValues>> parameters)
    {
        var identifiers = new List<(string, string)>();
        string? family = null, given = null, gender = null;
        DateOnly? birthDate = null;
        foreach (var (name, values) in parameters)
        {
            if (!Accepted.Contains(name))
                return (null, Invalid($"parameter '{name}' is not supported by patient identification (identifier, family, given, birthdate, gender)"));
            if (name is "_elements" or "_format")
                continue;
            if (name == "identifier")
            {
                foreach (var value in values.SelectMany(v => (v ?? string.Empty).Split(',')))
                {
                    var bar = value.IndexOf('|', StringComparison.Ordinal);
                    if (bar <= 0 || bar == value.Length - 1)
                        return (null, Invalid($"identifier '{value}' must be system|value"));
                    identifiers.Add((value[..bar], value[(bar + 1)..]));
                }
                continue;
            }
            if (values.Count != 1 || string.IsNullOrWhiteSpace(values[0]))
                return (null, Invalid($"parameter '{name}' must be given once, with a value"));
            var single = values[0]!.Trim();
            switch (name)
            {
                case "family" or "name":
                    if (family is not null)
                        return (null, Invalid("the family name is given twice (family and name)"));
                    family = single;
                    break;
                case "given":
                    given = single;
                    break;
                case "gender":
                    if (single is not ("male" or "female" or "other" or "unknown"))
                        return (null, Invalid($"gender '{single}' is not an AdministrativeGender code"));
                    gender = single;
                    break;
                case "birthdate":
                    var date = single.StartsWith("eq", StringComparison.Ordinal) ? single[2..] : single;
                    if (!DateOnly.TryParseExact(date, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var day))
                        return (null, Invalid($"birthdate '{single}' must be a full date (yyyy-MM-dd, optionally with the eq prefix)"));
                    birthDate = day;
                    break;
            }
        }
        return (new IdentificationTraits(identifiers, family, given, birthDate, gender), null);
    }

    private static NcpRefusal Invalid(string message) => new("NDI-NCP-012", StatusCodes.Status400BadRequest, message);
}
