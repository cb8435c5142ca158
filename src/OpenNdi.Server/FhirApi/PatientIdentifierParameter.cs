using OpenNdi.Core.Identifiers;

namespace OpenNdi.Server.FhirApi;

/// <summary>
/// A patient named by a token search parameter (<c>[system|]personnummer</c>, FHIR R4 §3.1.1.4.5): the system, when
/// given, must be the personnummer's or the samordningsnummer's, and the number must be valid (Luhn, date).
/// </summary>
internal static class PatientIdentifierParameter
{
    /// <param name="name">The parameter's name, for the error message (<c>patient.identifier</c>, <c>identifier</c>).</param>
    public static bool TryParse(string? text, string name, out PersonalIdentityNumber patient, out string? error)
    {
        patient = default;
        var value = text ?? string.Empty;
        var bar = value.IndexOf('|');
        var system = bar >= 0 ? value[..bar] : null;
        if (system is not (null or PersonalIdentityNumber.PersonnummerSystem or PersonalIdentityNumber.SamordningsnummerSystem))
        {
            error = $"{name} system must be {PersonalIdentityNumber.PersonnummerSystem} or {PersonalIdentityNumber.SamordningsnummerSystem}";
            return false;
        }
        if (!PersonalIdentityNumber.TryParse(bar >= 0 ? value[(bar + 1)..] : value, out patient, out var problem))
        {
            error = $"{name}: {problem}";
            return false;
        }
        error = null;
        return true;
    }
}
