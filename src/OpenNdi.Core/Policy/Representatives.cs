using OpenNdi.Core.Identifiers;

namespace OpenNdi.Core.Policy;

/// <summary>
/// Who may act for a patient, and how far.
/// <list type="bullet">
/// <item>A <b>guardian</b> (vårdnadshavare, from the population register) acts for a child until the child turns 13,
/// with view and manage rights. From 13 the child's own integrity weighs in (a child's maturity decides what a guardian
/// may learn, Offentlighets- och sekretesslagen 12 kap. 3 §), and the national e-services close the guardian's
/// access at 13, as we do; at 18 guardianship itself ends (Föräldrabalken 6 kap. 2 §). A child whose identity is
/// protected (skyddad identitet) is never reached through guardianship: the register's guardian may be the very person
/// the protection is against.</item>
/// <item>A <b>proxy</b> (ombud) acts within the scope the patient granted (view, or manage which includes view), from
/// its start day to its end day, until revoked.</item>
/// </list>
/// </summary>
public static class Representatives
{
    /// <summary>The child's age at which a guardian's access ends.</summary>
    public const int GuardianAccessEndsAtAge = 13;

    /// <summary>How <paramref name="person"/> may act for the patient at <paramref name="at"/>, or null when they may not.</summary>
    public static Representation? Find(PersonalIdentityNumber person, PatientPrivacy patient, DateTimeOffset at)
    {
        if (!patient.ProtectedIdentity && patient.Guardians.Contains(person) && AgeOn(patient.BirthDate, DateOnly.FromDateTime(at.UtcDateTime)) < GuardianAccessEndsAtAge)
            return new Representation(person, patient.Patient, RepresentationKind.Guardian, ProxyScope.Manage, null);
        // The widest active proxy wins: manage includes view.
        var proxy = patient.Proxies.Where(p => p.Representative == person && p.ActiveAt(at)).OrderByDescending(p => p.Scope).FirstOrDefault();
        return proxy is null ? null : new Representation(person, patient.Patient, RepresentationKind.Proxy, proxy.Scope, proxy.Id);
    }

    public static int AgeOn(DateOnly birthDate, DateOnly day)
    {
        var age = day.Year - birthDate.Year;
        return birthDate.AddYears(age) > day ? age - 1 : age;
    }
}
