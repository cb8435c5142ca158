using Hl7.Fhir.Model;
using OpenNdi.Core.Audit;
using OpenNdi.Core.Identifiers;
using OpenNdi.Core.Identity;
using OpenNdi.Core.Policy;
using OpenNdi.Data.Consent;
using OpenNdi.Data.Population;
using OpenNdi.Fhir;
using OpenNdi.Server.Audit;
using OpenNdi.Server.Identity;

namespace OpenNdi.Server.Consent;

/// <summary>
/// Whom a person acts for, as FHIR R4 RelatedPerson resources (one per represented patient: the person is the
/// related person, <c>patient</c> the one they represent):
/// <code>
/// GET /fhir/RelatedPerson?identifier=&lt;own personnummer&gt;   the children (under 13) they are guardian of and the patients whose proxy they are
/// </code>
/// A person asks only about themselves. Every answer is the policy's own (<see cref="Representatives.Find"/>), so
/// what it lists is exactly what the person may open: a child of 13 or older, a child whose identity is protected, and
/// an expired, future or revoked proxy are not there.
/// </summary>
internal static class RepresentationEndpoints
{
    public const string ScopeExtension = "https://openndi.se/fhir/StructureDefinition/representation-scope";
    private const string RoleCodeSystem = "http://terminology.hl7.org/CodeSystem/v3-RoleCode";

    public static void MapRepresentations(this IEndpointRouteBuilder app) =>
        app.MapGet("/fhir/RelatedPerson", SearchAsync).WithTags("Consent").ExcludeFromDescription()
            .NationalApi(AuditEventCodes.RepresentationRead, AuditAction.Read, "RelatedPerson", ScopePermissions.Read | ScopePermissions.Search, ScopeContext.Patient);

    private static async Task<IResult> SearchAsync(HttpContext http, ConsentStore consents, IPopulationStore population, PatientPrivacyReader privacy, AuditScope audit, TimeProvider time, CancellationToken cancellationToken)
    {
        if (Actors.From(http.User) is not PersonActor person)
            return FhirResults.Error(403, "NDI-REP-001", OperationOutcome.IssueType.Forbidden, "Only a person asks whom they represent; the token names no person (claim person_id).");
        var value = http.Request.Query["identifier"].ToString();
        var bar = value.IndexOf('|');
        if (!PersonalIdentityNumber.TryParse(bar >= 0 ? value[(bar + 1)..] : value, out var asked, out var error))
            return FhirResults.Error(400, "NDI-REP-002", OperationOutcome.IssueType.Invalid, $"identifier is required, as the person's own personnummer or samordningsnummer: {error}", "identifier");
        if (asked != person.Person)
        {
            audit.Refused("a person asked whom someone else represents");
            return FhirResults.Error(403, "NDI-REP-003", OperationOutcome.IssueType.Forbidden, "A person asks only whom they themselves represent.");
        }
        var now = time.GetUtcNow();
        var candidates = (await population.ChildrenOfAsync(person.Person, cancellationToken))
            .Concat((await consents.ListByRepresentativeAsync(person.Person, cancellationToken)).Select(c => PersonalIdentityNumber.Parse(c.Patient)))
            .Distinct().ToList();
        var bundle = new Bundle { Type = Bundle.BundleType.Searchset };
        foreach (var patient in candidates)
        {
            // The policy's answer, not the store's rows: age, protection, periods and revocations all apply here.
            if (Representatives.Find(person.Person, await privacy.ReadAsync(patient, cancellationToken), now) is not { } representation)
                continue;
            var registered = await population.FindAsync(patient, cancellationToken);
            var related = new RelatedPerson
            {
                Id = $"{person.Person.Value}-{patient.Value}",
                Active = true,
                Identifier = [new Identifier(person.Person.IdentifierSystem, person.Person.Value)],
                Patient = new ResourceReference { Type = "Patient", Identifier = new Identifier(patient.IdentifierSystem, patient.Value), Display = registered?.FullName },
                Relationship = [representation.Kind == RepresentationKind.Guardian
                    ? new CodeableConcept(RoleCodeSystem, "GUARD", "guardian")
                    : new CodeableConcept(RoleCodeSystem, "HPOWATT", "healthcare power of attorney")],
                Extension = [new Extension(ScopeExtension, new Code(representation.Scope == ProxyScope.Manage ? "manage" : "view"))],
            };
            bundle.Entry.Add(new Bundle.EntryComponent { Resource = related, Search = new Bundle.SearchComponent { Mode = Bundle.SearchEntryMode.Match } });
        }
        bundle.Total = bundle.Entry.Count;
        audit.Record = audit.Record with { Patient = person.Person.Value, Entities = [new AuditEntity("representations", $"RelatedPerson?identifier={person.Person.Value}", Detail: bundle.Entry.Count.ToString(System.Globalization.CultureInfo.InvariantCulture))] };
        return FhirResults.Resource(bundle);
    }
}
