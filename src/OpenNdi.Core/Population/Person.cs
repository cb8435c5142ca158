using OpenNdi.Core.Identifiers;

namespace OpenNdi.Core.Population;

/// <summary>
/// A person as the population register (folkbokföringen) knows them: identity, name, sex and registered address.
/// The birth date is the identity number's.
/// </summary>
public sealed record Person(PersonalIdentityNumber Id, string GivenName, string FamilyName, Sex Sex, Address Address)
{
    public DateOnly BirthDate => Id.BirthDate;

    public string FullName => $"{GivenName} {FamilyName}";
}

/// <summary>A registered Swedish address with its official municipality (kommunkod) and region (länskod) codes.</summary>
public sealed record Address(string Street, string PostalCode, string City, string MunicipalityCode, string RegionCode);

/// <summary>
/// A guardian (vårdnadshavare) of a minor, as registered for the child. Guardianship ends at 18
/// (Föräldrabalken 6 kap. 2 §); the representative rules that use it live in the policy component.
/// </summary>
public sealed record Guardianship(PersonalIdentityNumber Child, PersonalIdentityNumber Guardian);
