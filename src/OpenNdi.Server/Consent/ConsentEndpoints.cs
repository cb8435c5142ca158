using Hl7.Fhir.Model;
using OpenNdi.Core.Identifiers;
using OpenNdi.Core.Identity;
using OpenNdi.Core.Policy;
using OpenNdi.Data;
using Microsoft.Extensions.DependencyInjection.Extensions;
using OpenNdi.Data.Consent;
using OpenNdi.Data.Population;
using OpenNdi.Core.Audit;
using OpenNdi.Fhir;
using OpenNdi.Server.Audit;
using OpenNdi.Server.FhirApi;
using OpenNdi.Server.Identity;
using Task = System.Threading.Tasks.Task;

namespace OpenNdi.Server.Consent;

/// <summary>
/// The patient's own management of opt-out, blocks and proxies, as FHIR Consent resources (IHE PCF), with every
/// version kept:
/// <code>
/// POST /fhir/Consent                       record a setting (an opt-out of a kind is one resource: posting it again updates it)
/// PUT  /fhir/Consent/{id}                  change or revoke (status inactive) a setting
/// GET  /fhir/Consent?patient=&lt;pnr&gt;        the patient's settings
/// GET  /fhir/Consent/{id}[/_history]       one setting and its versions
/// </code>
/// Only persons call it: the patient, a guardian of a young child, or a proxy (to change: with manage scope, to read:
/// any active proxy). Who changed what, and for whom, is kept in the history.
/// </summary>
internal static class ConsentEndpoints
{
    private const int MaxBodyBytes = 64 * 1024;

    /// <summary>How often a post that lost a race to a concurrent change of the same setting reads again.</summary>
    private const int MaxSaveAttempts = 5;

    /// <summary>What every access flow needs to decide: the patient's settings and guardians, read by <see cref="PatientPrivacyReader"/>.</summary>
    public static IServiceCollection TryAddPatientPrivacy(this IServiceCollection services)
    {
        services.TryAddSingleton(sp => new ConsentStore(sp.GetRequiredService<NdiDatabase>()));
        services.TryAddSingleton<IPopulationStore>(sp => new PopulationStore(sp.GetRequiredService<NdiDatabase>()));
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton<PatientPrivacyReader>();
        return services;
    }

    public static IServiceCollection AddConsentManagement(this IServiceCollection services)
    {
        services.TryAddPatientPrivacy();
        services.AddSingleton(new FhirCapability("Consent",
            [CapabilityStatement.TypeRestfulInteraction.Create, CapabilityStatement.TypeRestfulInteraction.Update, CapabilityStatement.TypeRestfulInteraction.Read,
             CapabilityStatement.TypeRestfulInteraction.SearchType, CapabilityStatement.TypeRestfulInteraction.HistoryInstance],
            [("patient", SearchParamType.Token)], []));
        services.AddSingleton(new FhirCapability("RelatedPerson", [CapabilityStatement.TypeRestfulInteraction.SearchType], [("identifier", SearchParamType.Token)], []));
        return services;
    }

    public static IEndpointRouteBuilder MapConsentManagement(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/fhir/Consent").WithTags("Consent").ExcludeFromDescription();
        group.MapPost("", CreateAsync).NationalApi(AuditEventCodes.ConsentChange, AuditAction.Create, "Consent", ScopePermissions.Create, ScopeContext.Patient);
        group.MapPut("/{id}", UpdateAsync).NationalApi(AuditEventCodes.ConsentChange, AuditAction.Update, "Consent", ScopePermissions.Update, ScopeContext.Patient);
        group.MapGet("", SearchAsync).NationalApi(AuditEventCodes.ConsentRead, AuditAction.Read, "Consent", ScopePermissions.Read | ScopePermissions.Search, ScopeContext.Patient);
        group.MapGet("/{id}", ReadAsync).NationalApi(AuditEventCodes.ConsentRead, AuditAction.Read, "Consent", ScopePermissions.Read, ScopeContext.Patient);
        group.MapGet("/{id}/_history", HistoryAsync).NationalApi(AuditEventCodes.ConsentRead, AuditAction.Read, "Consent", ScopePermissions.Read, ScopeContext.Patient);
        app.MapRepresentations();
        return app;
    }

    private static async Task<IResult> CreateAsync(HttpContext http, ConsentStore store, PatientPrivacyReader privacy, AuditScope audit, TimeProvider time, CancellationToken cancellationToken)
    {
        var (input, failure) = await ReadInputAsync(http, cancellationToken);
        if (input is null)
            return failure!;
        var (consent, parsed, person) = input.Value;
        var (allowed, actingAs) = AccessPolicy.MayManage(person, await privacy.ReadAsync(parsed.Patient, cancellationToken), time.GetUtcNow());
        if (!allowed)
            return Refused(audit, parsed.Patient, NotYours("change"));

        // An opt-out of a kind is one setting per patient: posting it again changes that one. The database enforces
        // it (unique index, ConsentSchema v2); a post that loses a race reads again and changes the winner's setting.
        StoredConsent? existing = null;
        string id = "";
        int? saved = null;
        for (var attempt = 0; attempt < MaxSaveAttempts && saved is null; attempt++)
        {
            existing = parsed.Kind.StartsWith("optout", StringComparison.Ordinal)
                ? (await store.ListAsync(parsed.Patient, cancellationToken)).FirstOrDefault(c => c.Kind == parsed.Kind)
                : null;
            id = existing?.Id ?? Guid.NewGuid().ToString("N");
            saved = await TrySaveAsync(store, consent, id, parsed, person, actingAs, cancellationToken);
        }
        if (saved is not { } version)
            return Busy();
        DescribeChange(audit, parsed, actingAs, existing is null ? AuditAction.Create : AuditAction.Update, id, version);
        http.Response.Headers.Location = $"/fhir/Consent/{id}/_history/{version}";
        return FhirResults.Resource(WithVersion(consent, version), existing is null ? StatusCodes.Status201Created : StatusCodes.Status200OK);
    }

    private static async Task<IResult> UpdateAsync(string id, HttpContext http, ConsentStore store, PatientPrivacyReader privacy, AuditScope audit, TimeProvider time, CancellationToken cancellationToken)
    {
        var stored = await store.GetAsync(id, cancellationToken);
        if (stored is null)
            return FhirResults.Error(404, "NDI-CNS-006", OperationOutcome.IssueType.NotFound, $"No Consent {id}; create settings with POST /fhir/Consent.");
        var (input, failure) = await ReadInputAsync(http, cancellationToken);
        if (input is null)
            return failure!;
        var (consent, parsed, person) = input.Value;
        if (parsed.Patient.Value != stored.Patient || parsed.Kind != stored.Kind)
            return FhirResults.Error(400, "NDI-CNS-005", OperationOutcome.IssueType.Invalid, "A Consent keeps its patient and kind; record a new one instead.", "Consent.patient");
        var (allowed, actingAs) = AccessPolicy.MayManage(person, await privacy.ReadAsync(parsed.Patient, cancellationToken), time.GetUtcNow());
        if (!allowed)
            return Refused(audit, parsed.Patient, NotYours("change"));
        if (await TrySaveAsync(store, consent, id, parsed, person, actingAs, cancellationToken) is not { } version)
            return Busy();
        DescribeChange(audit, parsed, actingAs, AuditAction.Update, id, version);
        return FhirResults.Resource(WithVersion(consent, version));
    }

    private static async Task<IResult> SearchAsync(HttpContext http, ConsentStore store, PatientPrivacyReader privacy, AuditScope audit, TimeProvider time, CancellationToken cancellationToken)
    {
        var value = http.Request.Query["patient"].ToString();
        var bar = value.IndexOf('|');
        if (!PersonalIdentityNumber.TryParse(bar >= 0 ? value[(bar + 1)..] : value, out var patient, out var error))
            return FhirResults.Error(400, "NDI-CNS-007", OperationOutcome.IssueType.Invalid, $"patient is required, as a personnummer or samordningsnummer: {error}", "patient");
        if (await MayReadAsync(http, patient, privacy, audit, time, "search", cancellationToken) is { } refused)
            return refused;
        var bundle = new Bundle { Type = Bundle.BundleType.Searchset };
        foreach (var stored in await store.ListAsync(patient, cancellationToken))
            bundle.Entry.Add(new Bundle.EntryComponent { FullUrl = FullUrl(http, stored.Id), Resource = Stored(stored.Json, stored.Version), Search = new Bundle.SearchComponent { Mode = Bundle.SearchEntryMode.Match } });
        bundle.Total = bundle.Entry.Count;
        return FhirResults.Resource(bundle);
    }

    private static async Task<IResult> ReadAsync(string id, HttpContext http, ConsentStore store, PatientPrivacyReader privacy, AuditScope audit, TimeProvider time, CancellationToken cancellationToken)
    {
        var stored = await store.GetAsync(id, cancellationToken);
        if (stored is null)
            return FhirResults.Error(404, "NDI-CNS-006", OperationOutcome.IssueType.NotFound, $"No Consent {id}.");
        return await MayReadAsync(http, PersonalIdentityNumber.Parse(stored.Patient), privacy, audit, time, $"Consent/{id}", cancellationToken) ?? FhirResults.Resource(Stored(stored.Json, stored.Version));
    }

    private static async Task<IResult> HistoryAsync(string id, HttpContext http, ConsentStore store, PatientPrivacyReader privacy, AuditScope audit, TimeProvider time, CancellationToken cancellationToken)
    {
        var stored = await store.GetAsync(id, cancellationToken);
        if (stored is null)
            return FhirResults.Error(404, "NDI-CNS-006", OperationOutcome.IssueType.NotFound, $"No Consent {id}.");
        if (await MayReadAsync(http, PersonalIdentityNumber.Parse(stored.Patient), privacy, audit, time, $"Consent/{id}/_history", cancellationToken) is { } refused)
            return refused;
        var bundle = new Bundle { Type = Bundle.BundleType.History };
        foreach (var change in (await store.HistoryAsync(id, cancellationToken)).Reverse())
        {
            bundle.Entry.Add(new Bundle.EntryComponent
            {
                FullUrl = FullUrl(http, change.Id),
                Resource = Stored(change.Json, change.Version),
                Request = new Bundle.RequestComponent { Method = change.Version == 1 ? Bundle.HTTPVerb.POST : Bundle.HTTPVerb.PUT, Url = change.Version == 1 ? "Consent" : $"Consent/{id}" },
                Response = new Bundle.ResponseComponent { Status = change.Version == 1 ? "201" : "200", LastModified = change.ChangedAt },
            });
        }
        bundle.Total = bundle.Entry.Count;
        return FhirResults.Resource(bundle);
    }

    /// <summary>The body as a valid Consent with what it means, and the person sending it; or the error answer.</summary>
    private static async Task<((Hl7.Fhir.Model.Consent Consent, ParsedConsent Parsed, PersonActor Person)? Input, IResult? Failure)> ReadInputAsync(HttpContext http, CancellationToken cancellationToken)
    {
        if (Actors.From(http.User) is not PersonActor person)
            return (null, OnlyPersons());
        var (consent, bodyError) = await RequestBodies.ReadResourceAsync<Hl7.Fhir.Model.Consent>(http.Request, MaxBodyBytes,
            "NDI-CNS-008", $"A Consent is at most {MaxBodyBytes / 1024} KiB.", "NDI-CNS-002", "a Consent", cancellationToken);
        if (consent is null)
            return (null, bodyError);
        var (parsed, error, expression) = ConsentResources.Read(consent);
        if (parsed is null)
            return (null, FhirResults.Error(400, "NDI-CNS-003", OperationOutcome.IssueType.Invalid, error!, expression));
        return ((consent, parsed, person), null);
    }

    /// <summary>Null when the caller may read the patient's settings (the read is logged first); the logged refusal otherwise.</summary>
    private static async Task<IResult?> MayReadAsync(HttpContext http, PersonalIdentityNumber patient, PatientPrivacyReader privacy, AuditScope audit, TimeProvider time, string what, CancellationToken cancellationToken)
    {
        if (Actors.From(http.User) is not PersonActor person)
            return OnlyPersons();
        var (may, representation) = await privacy.PersonMayActForAsync(person.Person, patient, time.GetUtcNow(), cancellationToken);
        if (!may)
            return Refused(audit, patient, NotYours("read"));
        audit.Record = audit.Record with
        {
            Patient = patient.Value,
            OnBehalfOf = AuditTrail.OnBehalfOf(representation),
            Entities = [new AuditEntity("consent", what)],
        };
        return null;
    }

    private static void DescribeChange(AuditScope audit, ParsedConsent parsed, Representation? actingAs, AuditAction action, string id, int version) =>
        audit.Record = audit.Record with
        {
            Action = action,
            Patient = parsed.Patient.Value,
            OnBehalfOf = AuditTrail.OnBehalfOf(actingAs),
            Entities = [new AuditEntity("consent", $"Consent/{id}/_history/{version}", Category: parsed.Kind, Detail: parsed.Active ? "active" : "inactive")],
        };

    /// <summary>A refused read or change of a patient's settings: the log names the patient and why; the answer says only that it is not theirs.</summary>
    private static IResult Refused(AuditScope audit, PersonalIdentityNumber patient, IResult answer)
    {
        audit.Patient(patient.Value);
        audit.Refused("not the patient nor a representative with the needed scope");
        return answer;
    }

    private static async Task<int?> TrySaveAsync(ConsentStore store, Hl7.Fhir.Model.Consent consent, string id, ParsedConsent parsed, PersonActor person, Representation? actingAs, CancellationToken cancellationToken)
    {
        ConsentResources.Complete(consent, id, parsed.Kind);
        consent.Meta = null; // the version is the store's; it is added on the way out
        return await store.TrySaveAsync(id, parsed.Patient, parsed.Kind, parsed.Active, FhirJson.Serialize(consent), person.Person.Value, actingAs?.Represented.Value, cancellationToken, parsed.Proxy?.Representative);
    }

    private static string FullUrl(HttpContext http, string id) => $"{http.Request.Scheme}://{http.Request.Host}{http.Request.PathBase}/fhir/Consent/{id}";

    private static Hl7.Fhir.Model.Consent Stored(string json, int version) => WithVersion(FhirJson.Parse<Hl7.Fhir.Model.Consent>(json), version);

    private static Hl7.Fhir.Model.Consent WithVersion(Hl7.Fhir.Model.Consent consent, int version)
    {
        consent.Meta = new Meta { VersionId = version.ToString(System.Globalization.CultureInfo.InvariantCulture) };
        return consent;
    }

    private static IResult Busy() => FhirResults.Error(409, "NDI-CNS-009", OperationOutcome.IssueType.Conflict,
        "The setting was changed by another request at the same time; read it and try again.");

    private static IResult OnlyPersons() => FhirResults.Error(403, "NDI-CNS-001", OperationOutcome.IssueType.Forbidden,
        "Only a person (the patient, or someone who represents them) manages a patient's consents; the token names no person (claim person_id).");

    private static IResult NotYours(string what) => FhirResults.Error(403, "NDI-CNS-004", OperationOutcome.IssueType.Forbidden,
        $"You may not {what} this patient's settings: only the patient, a guardian of a child under 13, or a proxy with {(what == "read" ? "an active grant" : "manage scope")} may.");
}
