using Microsoft.AspNetCore.Http;
using OpenNdi.ContactPoint.Domain;
using OpenNdi.Core.Identifiers;

namespace OpenNdi.ContactPoint.Identification;

/// <summary>
/// Sweden's identification mask (eHDSI International Search Mask, ADR 0010 §3): what a peer must send to identify a
/// Swedish patient. A personnummer or samordningsnummer (twelve digits, valid check digit) under its OID, the birth
/// date and the family name; gender and given names may come too. Demographics alone are refused (XCPD's
/// <c>DemographicsQueryNotAllowed</c>): the register is never searched by name.
/// </summary>
public static class IdentificationMask
{
    /// <summary>The identifier systems Sweden identifies by: the personnummer's and the samordningsnummer's OIDs.</summary>
    public static readonly IReadOnlyList<string> IdentifierSystems = [PersonalIdentityNumber.PersonnummerSystem, PersonalIdentityNumber.SamordningsnummerSystem];

    /// <summary>The Swedish identity numbers the traits carry, or why the traits do not meet the mask (400, about the request only).</summary>
    public static (IReadOnlyList<PersonalIdentityNumber> Numbers, NcpRefusal? Error) Check(IdentificationTraits traits)
    {
        var swedish = traits.Identifiers.Where(i => IdentifierSystems.Contains(i.System)).ToList();
        if (swedish.Count == 0)
            return ([], new NcpRefusal("NDI-NCP-012", StatusCodes.Status400BadRequest,
                $"Sweden identifies patients by personnummer ({PersonalIdentityNumber.PersonnummerSystem}) or samordningsnummer ({PersonalIdentityNumber.SamordningsnummerSystem}); demographics alone are not searched (DemographicsQueryNotAllowed)"));
        if (traits.BirthDate is null || string.IsNullOrWhiteSpace(traits.Family))
            return ([], new NcpRefusal("NDI-NCP-012", StatusCodes.Status400BadRequest, "Sweden's identification mask needs the birth date (birthdate) and the family name (family) with the identity number"));
        var numbers = new List<PersonalIdentityNumber>();
        foreach (var (system, value) in swedish)
        {
            if (value.Length != 12 || !value.All(char.IsAsciiDigit))
                return ([], new NcpRefusal("NDI-NCP-012", StatusCodes.Status400BadRequest, $"identifier {system}|{value} must be the twelve digits of a Swedish identity number (YYYYMMDDNNNC)"));
            if (!PersonalIdentityNumber.TryParse(value, out var number, out var error))
                return ([], new NcpRefusal("NDI-NCP-012", StatusCodes.Status400BadRequest, $"identifier {system}|{value} is not a valid Swedish identity number: {error}"));
            if (number.IdentifierSystem != system)
                return ([], new NcpRefusal("NDI-NCP-012", StatusCodes.Status400BadRequest, $"identifier {value} is a {(number.IsCoordinationNumber ? "samordningsnummer" : "personnummer")}, sent under {system}"));
            numbers.Add(number);
        }
        return ([.. numbers.Distinct()], null);
    }
}
