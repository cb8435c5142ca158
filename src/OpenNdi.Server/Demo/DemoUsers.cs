using OpenNdi.Core.Identifiers;
using OpenNdi.Core.Identity;
using OpenNdi.Core.Policy;
using OpenNdi.Core.Population;
using OpenNdi.Data.Population;
using OpenNdi.Server.Identity.AuthorizationServer;
using OpenNdi.Synthetic.Providers;

namespace OpenNdi.Server.Demo;

/// <summary>
/// The people of the demo login page, taken from the demo population so that their data exists: three clinicians
/// at different providers (an emergency physician, a primary-care nurse, a physician elsewhere), three adult
/// patients, a guardian of a minor, a log reviewer, and an operator. Ids are stable (<c>clinician-1</c>, <c>patient-1</c>,
/// <c>guardian-1</c>, <c>reviewer-1</c>, <c>operator-1</c>) so that scripts and tests can name them.
/// </summary>
public sealed class DemoUsers : ILoginUsers
{
    private IReadOnlyList<LoginUser> _users = [Operator()];

    public IReadOnlyList<LoginUser> Users => _users;

    /// <summary>Rebuilds the list from the stored population and the simulated providers.</summary>
    public async Task LoadAsync(IPopulationStore population, IReadOnlyList<SimulatedProvider> providers, DateOnly today, CancellationToken cancellationToken = default)
    {
        var users = new List<LoginUser>();
        var used = new HashSet<string>(StringComparer.Ordinal);
        var clinicians = new (CareUnitKind Kind, string Role, string Name)[]
        {
            (CareUnitKind.Emergency, "physician", "Dr. Karin Ek"),
            (CareUnitKind.PrimaryCare, "nurse", "Nurse Johan Berg"),
            (CareUnitKind.Medicine, "physician", "Dr. Sara Lind"),
        };
        SimulatedProvider? firstClinicians = null;
        foreach (var (kind, role, name) in clinicians)
        {
            var provider = providers.FirstOrDefault(p => !used.Contains(p.Key) && p.Unit(kind) is not null)
                ?? providers.FirstOrDefault(p => !used.Contains(p.Key) && p.CareUnits.Count > 0);
            if (provider is null)
                break;
            used.Add(provider.Key);
            firstClinicians ??= provider;
            users.Add(Clinician(users.Count + 1, name, role, provider, provider.Unit(kind) ?? provider.CareUnits[0]));
        }
        // The log reviewer works where clinician-1 does, so the demo shows one reviewing the other's accesses.
        if (firstClinicians is not null)
            users.Add(LogReviewer(firstClinicians));

        var persons = await population.ListAsync(0, 500, cancellationToken);
        var patients = 0;
        foreach (var adult in persons.Where(p => AgeOn(p, today) >= 18).Take(3))
            users.Add(Patient($"patient-{++patients}", adult, $"patient, {AgeOn(adult, today)} years, {adult.Id}"));
        // A guardian acts for a child under 13 (ADR 0005), so the demo guardian has such a child.
        foreach (var child in persons.Where(p => AgeOn(p, today) < Representatives.GuardianAccessEndsAtAge))
        {
            var guardians = await population.GuardiansOfAsync(child.Id, cancellationToken);
            if (guardians.Count > 0 && await population.FindAsync(guardians[0], cancellationToken) is { } guardian)
            {
                users.Add(Patient("guardian-1", guardian, $"guardian of {child.FullName} ({child.Id}, {AgeOn(child, today)} years)"));
                break;
            }
        }
        users.Add(Applicant());
        users.Add(AccessBodyOfficer());
        users.Add(Operator());
        _users = users;
    }

    private static int AgeOn(Person person, DateOnly today) => Representatives.AgeOn(person.BirthDate, today);

    private static LoginUser Clinician(int number, string name, string role, SimulatedProvider provider, CareUnit unit)
    {
        var hsaId = HsaId.Create(OrganizationNumber.Parse(provider.OrganizationNumber), $"DEMO{number}");
        var claims = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            [NdiClaims.SubjectName] = name,
            [NdiClaims.SubjectRole] = role,
            [NdiClaims.SubjectOrganizationId] = provider.HsaId,
            [NdiClaims.SubjectOrganization] = provider.Name,
            [NdiClaims.CareUnitId] = unit.HsaId,
            [NdiClaims.AssignmentId] = $"{unit.HsaId}-care",
            [NdiClaims.AssignmentScope] = NdiClaims.CoherentRecords,
            [NdiClaims.PurposeOfUse] = PurposeOfUse.Treatment,
            [NdiClaims.AssuranceLevel] = AssuranceLevels.Loa3,
        };
        return new LoginUser($"clinician-{number}", name, $"{role} at {unit.Name}, {provider.Name}", new TokenSubject(ActorKind.Professional, hsaId.Value, claims));
    }

    /// <summary>The provider's log reviewer: reads every access record of the provider's staff, and no patient data beyond their own provider's.</summary>
    private static LoginUser LogReviewer(SimulatedProvider provider)
    {
        var unit = provider.CareUnits[0];
        var hsaId = HsaId.Create(OrganizationNumber.Parse(provider.OrganizationNumber), "DEMOLOG1");
        var claims = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            [NdiClaims.SubjectName] = "Eva Holm",
            [NdiClaims.SubjectRole] = "log-reviewer",
            [NdiClaims.SubjectOrganizationId] = provider.HsaId,
            [NdiClaims.SubjectOrganization] = provider.Name,
            [NdiClaims.CareUnitId] = unit.HsaId,
            [NdiClaims.Roles] = NdiRoles.LogReviewer,
            [NdiClaims.AssuranceLevel] = AssuranceLevels.Loa3,
        };
        return new LoginUser("reviewer-1", "Eva Holm", $"log reviewer at {provider.Name}: reviews every access by the provider's staff", new TokenSubject(ActorKind.Professional, hsaId.Value, claims));
    }

    private static LoginUser Patient(string id, Person person, string description)
    {
        var claims = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            [NdiClaims.SubjectName] = person.FullName,
            [NdiClaims.PersonId] = person.Id.Value,
            [NdiClaims.AssuranceLevel] = AssuranceLevels.Loa3,
        };
        return new LoginUser(id, person.FullName, description, new TokenSubject(ActorKind.Patient, person.Id.Value, claims));
    }

    /// <summary>A researcher applying for data for a university (secondary use, issue 18): not a patient of the demo population.</summary>
    public static LoginUser Applicant()
    {
        var person = PersonalIdentityNumber.Create(new DateOnly(1979, 4, 12), 238, coordination: false);
        var claims = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            [NdiClaims.SubjectName] = "Dr. Maria Forsberg",
            [NdiClaims.SubjectRole] = "researcher",
            [NdiClaims.PersonId] = person.Value,
            [NdiClaims.ApplicantOrganization] = "2021002973",
            [NdiClaims.SubjectOrganization] = "Karolinska Institutet",
            [NdiClaims.AssuranceLevel] = AssuranceLevels.Loa3,
        };
        return new LoginUser("applicant-1", "Dr. Maria Forsberg", "researcher at Karolinska Institutet: applies for data permits (secondary use)", new TokenSubject(ActorKind.Applicant, person.Value, claims));
    }

    /// <summary>A case officer of the health data access body (Socialstyrelsen): reviews applications and outputs.</summary>
    public static LoginUser AccessBodyOfficer()
    {
        var claims = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            [NdiClaims.SubjectName] = "Anders Wik",
            [NdiClaims.SubjectRole] = "hdab-officer",
            [NdiClaims.SubjectOrganization] = "Socialstyrelsen",
            [NdiClaims.AssuranceLevel] = AssuranceLevels.Loa3,
        };
        return new LoginUser("officer-1", "Anders Wik", "case officer at the health data access body (Socialstyrelsen): reviews applications and outputs", new TokenSubject(ActorKind.AccessBodyOfficer, "officer-1", claims));
    }

    private static LoginUser Operator()
    {
        var claims = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            [NdiClaims.SubjectName] = "NDI operations",
            [NdiClaims.SubjectRole] = "operator",
            [NdiClaims.AssuranceLevel] = AssuranceLevels.Loa3,
        };
        return new LoginUser("operator-1", "NDI operations", "runs the directory and watches endpoint health", new TokenSubject(ActorKind.Operator, "operator-1", claims));
    }
}
