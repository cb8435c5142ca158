using OpenNdi.Core.Identifiers;
using OpenNdi.Core.Population;

namespace OpenNdi.Synthetic.Population;

/// <summary>A generated person: their place in the population, their register entry and, for minors, their guardians.</summary>
public sealed record SyntheticPerson(long Index, Person Person, IReadOnlyList<PersonalIdentityNumber> Guardians)
{
    public int AgeOn(DateOnly date) => BirthCalendar.AgeOn(Person.BirthDate, date);
}
