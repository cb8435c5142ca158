using System.Text;
using Hl7.Fhir.Model;
using OpenNdi.Core.Audit;
using OpenNdi.Core.Identifiers;

namespace OpenNdi.Server.Audit;

/// <summary>
/// Stored audit records as FHIR AuditEvent resources shaped after IHE BALP (Basic Audit Log Patterns), so any FHIR
/// audit consumer reads our log: type <c>rest</c> with the RESTful interaction as subtype (and our own event code as
/// a second subtype), the requesting agent flagged as requestor, the provider organisation and the represented
/// patient as further agents, the patient as entity with role Patient, and emergency access labelled break-the-glass
/// (<c>BTG</c>) with purpose <c>ETREAT</c>.
/// </summary>
internal static class AuditEvents
{
    public const string EventSystem = "https://openndi.se/fhir/CodeSystem/audit-event";
    /// <summary>How the log names a MyHealth@EU contact point: its trust-list id, a URI (<c>urn:ehdsi:ncp:DE</c>).</summary>
    public const string ContactPointSystem = "urn:ietf:rfc:3986";
    private const string BalpProfile = "https://profiles.ihe.net/ITI/BALP/StructureDefinition/IHE.BasicAudit.";

    /// <summary>Our events and the BALP pattern and RESTful interaction each one is.</summary>
    private static readonly Dictionary<string, (string Profile, string Interaction)> Patterns = new(StringComparer.Ordinal)
    {
        [AuditEventCodes.IndexLookup] = ("PatientQuery", "search-type"),
        [AuditEventCodes.IndexPublish] = ("Create", "create"),
        [AuditEventCodes.ConsentRead] = ("PatientRead", "read"),
        [AuditEventCodes.ConsentChange] = ("PatientUpdate", "update"),
        [AuditEventCodes.AuditQuery] = ("PatientQuery", "search-type"),
        [AuditEventCodes.AccessRefused] = ("Read", "read"),
        [AuditEventCodes.PatientSummary] = ("PatientQuery", "operation"),
        [AuditEventCodes.ClinicalRead] = ("PatientQuery", "search-type"),
        [AuditEventCodes.DirectoryRead] = ("Query", "search-type"),
        [AuditEventCodes.DirectoryChange] = ("Update", "update"),
        [AuditEventCodes.Login] = ("Read", "read"),
        [AuditEventCodes.TokenIssue] = ("Read", "read"),
        [AuditEventCodes.SimulatorRead] = ("PatientRead", "read"),
    };

    public static AuditEvent ToFhir(ChainedAuditRecord stored)
    {
        var record = AuditJson.Read(Encoding.UTF8.GetBytes(stored.Json));
        var (profile, interaction) = Patterns.TryGetValue(record.Event, out var pattern) ? pattern : ("Read", "read");
        if (record.Event == AuditEventCodes.ConsentChange && record.Action == AuditAction.Create)
            (profile, interaction) = ("PatientCreate", "create");
        var fhir = new AuditEvent
        {
            Id = stored.Receipt.Id,
            Meta = new Meta { Profile = [BalpProfile + (record.Patient is null ? profile.Replace("Patient", "", StringComparison.Ordinal) : profile)] },
            Type = new Coding("http://terminology.hl7.org/CodeSystem/audit-event-type", "rest", "RESTful Operation"),
            Subtype = [new Coding("http://hl7.org/fhir/restful-interaction", interaction), new Coding(EventSystem, record.Event)],
            Action = record.Action switch
            {
                AuditAction.Create => AuditEvent.AuditEventAction.C,
                AuditAction.Read => AuditEvent.AuditEventAction.R,
                AuditAction.Update => AuditEvent.AuditEventAction.U,
                AuditAction.Delete => AuditEvent.AuditEventAction.D,
                _ => AuditEvent.AuditEventAction.E,
            },
            Recorded = record.Recorded,
            Outcome = record.Outcome switch
            {
                AuditOutcome.Success => AuditEvent.AuditEventOutcome.N0,
                AuditOutcome.MinorFailure => AuditEvent.AuditEventOutcome.N4,
                AuditOutcome.SeriousFailure => AuditEvent.AuditEventOutcome.N8,
                _ => AuditEvent.AuditEventOutcome.N12,
            },
            OutcomeDesc = record.OutcomeText,
            Source = new AuditEvent.SourceComponent
            {
                Site = "OpenNdi",
                Observer = new ResourceReference { Display = $"OpenNdi audit partition {stored.Partition}" },
                Type = [new Coding("http://terminology.hl7.org/CodeSystem/security-source-type", "4", "Application Server")],
            },
        };
        if (record.PurposeOfUse is { } purpose)
            fhir.PurposeOfEvent = [new CodeableConcept("http://terminology.hl7.org/CodeSystem/v3-ActReason", purpose)];
        if (record.EmergencyBreak)
            fhir.Meta.Security = [new Coding("http://terminology.hl7.org/CodeSystem/v3-ActCode", "BTG", "break the glass")];

        fhir.Agent.Add(Agent(record.Who, requestor: true, record.Source, representing: record.OnBehalfOf is not null));
        if (record.Who is { Kind: AuditAgentKind.ForeignProfessional, Provider: { } peer })
        {
            // The contact point the professional abroad asked through (MyHealth@EU): the request came from it, it vouches
            // for the professional; its trust-list id names the country (urn:ehdsi:ncp:DE). Not a Swedish provider.
            fhir.Agent.Add(new AuditEvent.AgentComponent
            {
                Type = new CodeableConcept("http://dicom.nema.org/resources/ontology/DCM", "110153", "Source Role ID"),
                Who = new ResourceReference { Identifier = new Identifier(ContactPointSystem, peer), Display = "MyHealth@EU" },
                Requestor = false,
            });
        }
        else if (record.Who.Provider is { } provider)
        {
            fhir.Agent.Add(new AuditEvent.AgentComponent
            {
                Type = new CodeableConcept("http://terminology.hl7.org/CodeSystem/v3-RoleClass", "PROV", "healthcare provider"),
                Who = new ResourceReference { Identifier = new Identifier(HsaId.System, provider) },
                Requestor = false,
            });
        }
        if (record.OnBehalfOf is { } represented)
        {
            fhir.Agent.Add(new AuditEvent.AgentComponent
            {
                Type = new CodeableConcept("http://terminology.hl7.org/CodeSystem/v3-RoleClass", "PAT", "patient"),
                Who = PersonReference(represented.Id),
                Role = [new CodeableConcept { Text = represented.Role }],
                Requestor = false,
            });
        }
        if (record.Patient is { } patient)
        {
            fhir.Entity.Add(new AuditEvent.EntityComponent
            {
                What = PersonReference(patient),
                Type = new Coding("http://terminology.hl7.org/CodeSystem/audit-entity-type", "1", "Person"),
                Role = new Coding("http://terminology.hl7.org/CodeSystem/object-role", "1", "Patient"),
            });
        }
        foreach (var entity in record.Entities)
        {
            var component = new AuditEvent.EntityComponent
            {
                What = entity.Reference is null ? null : new ResourceReference { Display = entity.Reference },
                Type = new Coding("http://terminology.hl7.org/CodeSystem/audit-entity-type", "2", "System Object"),
                Name = entity.Kind,
                Description = entity.Detail,
            };
            if (entity.Provider is { } source)
                component.Detail.Add(new AuditEvent.DetailComponent { Type = "provider", Value = new FhirString(source) });
            if (entity.Category is { } category)
                component.Detail.Add(new AuditEvent.DetailComponent { Type = "category", Value = new FhirString(category) });
            fhir.Entity.Add(component);
        }
        if (record.EmergencyReason is { } reason)
        {
            fhir.Entity.Add(new AuditEvent.EntityComponent
            {
                Type = new Coding("http://terminology.hl7.org/CodeSystem/audit-entity-type", "2", "System Object"),
                Name = "emergency-reason",
                Description = reason,
            });
        }
        return fhir;
    }

    private static AuditEvent.AgentComponent Agent(AuditAgent agent, bool requestor, string? address, bool representing)
    {
        var component = new AuditEvent.AgentComponent
        {
            Type = agent.Kind == AuditAgentKind.System
                ? new CodeableConcept("http://dicom.nema.org/resources/ontology/DCM", "110150", "Application")
                : new CodeableConcept("http://terminology.hl7.org/CodeSystem/extra-security-role-type", "humanuser", "human user"),
            Who = agent.Kind switch
            {
                AuditAgentKind.Professional => new ResourceReference { Identifier = new Identifier(HsaId.System, agent.Id), Display = agent.Name },
                AuditAgentKind.Person => PersonReference(agent.Id, agent.Name),
                // The professional's identifier is the one their contact point asserted: it means something in that country only.
                AuditAgentKind.ForeignProfessional => new ResourceReference { Identifier = new Identifier(agent.Provider ?? ContactPointSystem, agent.Id), Display = agent.Name },
                _ => new ResourceReference { Identifier = new Identifier("https://openndi.se/fhir/NamingSystem/" + agent.Kind, agent.Id), Display = agent.Name },
            },
            Requestor = requestor,
        };
        if (agent.Role is { } role)
            component.Role.Add(new CodeableConcept { Text = role });
        if (representing)
            component.Role.Add(new CodeableConcept("http://terminology.hl7.org/CodeSystem/v3-RoleClass", "AGNT", "agent", "acting for the patient"));
        if (agent.CareUnit is { } unit)
            component.Location = new ResourceReference { Identifier = new Identifier(HsaId.System, unit) };
        if (agent.Assignment is { } assignment)
            component.Policy = [$"urn:openndi:assignment:{assignment}"];
        if (address is not null)
            component.Network = new AuditEvent.NetworkComponent { Address = address, Type = AuditEvent.AuditEventAgentNetworkType.N2 /* IP address */ };
        return component;
    }

    private static ResourceReference PersonReference(string id, string? display = null)
    {
        var system = PersonalIdentityNumber.TryParse(id, out var number, out _) ? number.IdentifierSystem : PersonalIdentityNumber.PersonnummerSystem;
        return new ResourceReference { Identifier = new Identifier(system, id), Display = display };
    }
}

/// <summary>The event codes the log uses; stable, since they are stored and searched.</summary>
internal static class AuditEventCodes
{
    public const string IndexLookup = "index-lookup";
    public const string IndexPublish = "index-publish";
    public const string ConsentRead = "consent-read";
    public const string ConsentChange = "consent-change";
    public const string RepresentationRead = "representation-read";
    public const string PatientDataAdd = "patient-data-add";
    public const string CorrectionRequest = "correction-request";
    public const string CorrectionRead = "correction-read";
    public const string CorrectionAnswer = "correction-answer";
    public const string AuditQuery = "audit-query";
    public const string AccessRefused = "access-refused";
    public const string PatientSummary = "patient-summary";
    public const string ClinicalRead = "clinical-read";
    public const string DirectoryRead = "directory-read";
    public const string DirectoryChange = "directory-change";
    public const string Login = "login";
    public const string TokenIssue = "token-issue";
    public const string SimulatorRead = "simulator-read";

    /// <summary>The national contact point to MyHealth@EU (issue 17, ADR 0010 §7): a peer identifies a patient (EHDSI-11).</summary>
    public const string NcpIdentify = "ncp-identify";

    /// <summary>A peer lists a patient's documents (EHDSI-21, -31).</summary>
    public const string NcpFind = "ncp-find";

    /// <summary>A peer retrieves a document (EHDSI-22, -32).</summary>
    public const string NcpRetrieve = "ncp-retrieve";

    /// <summary>A pharmacy abroad reports the dispensation of a Swedish prescription (EHDSI-41).</summary>
    public const string NcpProvide = "ncp-provide";

    /// <summary>A Swedish professional asks a visitor's home country for their summary (Sweden as the country of treatment).</summary>
    public const string NcpVisitorSummary = "ncp-visitor-summary";

    /// <summary>A Swedish pharmacist asks a visitor's home country for their dispensable prescriptions.</summary>
    public const string NcpVisitorPrescriptions = "ncp-visitor-prescriptions";

    /// <summary>A Swedish pharmacist reports a dispensation of a visitor's home prescription.</summary>
    public const string NcpVisitorDispense = "ncp-visitor-dispense";

    /// <summary>The secondary-use chain (issue 18, ADR 0011): a holder's yearly check of a dataset's description.</summary>
    public const string SduCatalogReview = "sdu-catalog-review";

    /// <summary>An application for a data permit submitted or revised (with its automatic completeness check).</summary>
    public const string SduApplication = "sdu-application";

    /// <summary>An applicant's or an officer's read of applications.</summary>
    public const string SduApplicationRead = "sdu-application-read";

    /// <summary>An officer's decision on an application: approve (a permit is issued), request changes, refuse.</summary>
    public const string SduDecision = "sdu-decision";

    /// <summary>A read of permits.</summary>
    public const string SduPermitRead = "sdu-permit-read";

    /// <summary>An officer revokes a permit: its workspace closes.</summary>
    public const string SduPermitRevoke = "sdu-permit-revoke";

    /// <summary>The permit holder gets a login to the workspace.</summary>
    public const string SduWorkspaceLogin = "sdu-workspace-login";

    /// <summary>A table submitted for the output check (with the automatic small-cell rule's result).</summary>
    public const string SduOutputSubmit = "sdu-output-submit";

    /// <summary>A read or download of outputs.</summary>
    public const string SduOutputRead = "sdu-output-read";

    /// <summary>An officer releases or refuses an output.</summary>
    public const string SduOutputDecision = "sdu-output-decision";

    /// <summary>A patient reads which permits used their data.</summary>
    public const string SduTransparency = "sdu-transparency";

    /// <summary>The body prepared a permit's extract (a step of its own, outside a request).</summary>
    public const string SduExtractPrepare = OpenNdi.SecondaryUse.Cases.PreparationWorker.PrepareEvent;

    /// <summary>The body closed an expired permit's workspace (a step of its own).</summary>
    public const string SduPermitExpire = OpenNdi.SecondaryUse.Cases.PermitExpiry.ExpireEvent;
}
