using System.Globalization;
using Hl7.Fhir.Model;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.IdentityModel.Tokens;
using OpenNdi.Core.Audit;
using OpenNdi.Core.Identifiers;
using OpenNdi.Core.Identity;
using OpenNdi.Core.Policy;
using OpenNdi.Data;
using OpenNdi.Data.Audit;
using OpenNdi.Fhir;
using OpenNdi.Server.Consent;
using OpenNdi.Server.FhirApi;
using OpenNdi.Server.Identity;
using Task = System.Threading.Tasks.Task;

namespace OpenNdi.Server.Audit;

/// <summary>
/// The audit log module: every flow writes through <see cref="AuditTrail"/>; the log is read as FHIR AuditEvent.
/// <code>
/// GET /fhir/AuditEvent?patient.identifier=&lt;pnr&gt;            what the patient sees: who accessed which data, when
/// GET /fhir/AuditEvent?agent-provider=&lt;HSA-id&gt;&amp;emergency=true   a provider's (or the supervisor's) emergency follow-up list
/// GET /fhir/AuditEvent?agent.identifier=&lt;id&gt;&amp;date=ge2026-11-01  one actor's accesses
/// GET /fhir/AuditEvent/{partition}-{sequence}
/// GET /fhir/AuditEvent/$export?…                            the same searches as NDJSON, every page
/// </code>
/// Who may read what is the access policy's (<see cref="AccessPolicy.MayReadAuditLog"/>): a person reads the log of
/// themselves or of a patient they represent; a professional with the log-reviewer role, or a provider's system, reads
/// the records of its own provider's staff and systems (the provider's duty to review access, PDL 4 kap. 3 §); any
/// other professional the records of their own accesses; an operator, standing in for the supervisor, reads all.
/// Reading the log is itself logged.
/// </summary>
internal static class AuditEndpoints
{
    private const int DefaultCount = 100;

    /// <summary>
    /// Writers (each its own partition and chain) per process. A request waits for its record's commit, and one writer
    /// commits one batch at a time: more writers commit in parallel, at the price of smaller batches and more commits
    /// for the database. Measured on the index lookup at concurrency 16 (docs/benchmarks.md), one writer cost less
    /// server CPU per lookup (1.7 ms) than four (2.8 ms, a noisier run); raise it for many concurrent callers.
    /// </summary>
    private const int DefaultWriters = 1;
    private const int MaxCount = 1_000;

    public static IServiceCollection AddAuditLog(this IServiceCollection services, IConfiguration configuration)
    {
        var partition = configuration["Audit:Partition"] is { Length: > 0 } configured ? configured : DefaultPartition();
        if (AuditChain.ValidatePartition(partition) is { } problem)
            throw new InvalidOperationException($"Audit:Partition: {problem}");
        services.AddSingleton(sp => new AuditStore(sp.GetRequiredService<NdiDatabase>()));
        var writers = configuration.GetValue("Audit:Writers", DefaultWriters);
        if (writers is < 1 or > 64)
            throw new InvalidOperationException($"Audit:Writers must be 1–64, not {writers}");
        // Partition names stay within 63 characters with the writer suffix.
        var names = writers == 1 ? [partition] : Enumerable.Range(1, writers).Select(i => $"{partition[..Math.Min(partition.Length, 58)]}-w{i}").ToArray();
        services.AddSingleton(sp => new AuditTrail([.. names.Select(name => new AuditWriter(sp.GetRequiredService<AuditStore>(), name))], sp.GetRequiredService<TimeProvider>()));
        services.TryAddPatientPrivacy();
        services.TryAddSingleton(TimeProvider.System);
        services.AddHostedService<AuditPartitionMaintenance>();
        services.AddSingleton(new FhirCapability("AuditEvent", [CapabilityStatement.TypeRestfulInteraction.Read, CapabilityStatement.TypeRestfulInteraction.SearchType],
            [("patient.identifier", SearchParamType.Token), ("agent.identifier", SearchParamType.Token), ("agent-provider", SearchParamType.Token),
             ("emergency", SearchParamType.Token), ("date", SearchParamType.Date), ("_count", SearchParamType.Number)],
            [("export", "https://openndi.se/fhir/OperationDefinition/AuditEvent-export")]));
        return services;
    }

    /// <summary>Each node chains its own partition; by default named after the host, so replicas never share one by accident.</summary>
    private static string DefaultPartition()
    {
        var name = new string([.. Environment.MachineName.ToLowerInvariant().Select(c => char.IsAsciiLetterOrDigit(c) || c is '.' or '_' or '-' ? c : '-')]).TrimStart('-', '.', '_');
        return "node-" + (name.Length == 0 ? "local" : name[..Math.Min(name.Length, 50)]);
    }

    public static IEndpointRouteBuilder MapAuditLog(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/fhir/AuditEvent").WithTags("Audit log").ExcludeFromDescription();
        var contexts = new[] { ScopeContext.Patient, ScopeContext.User, ScopeContext.System };
        group.MapGet("", SearchAsync).NationalApi(AuditEventCodes.AuditQuery, AuditAction.Execute, "AuditEvent", ScopePermissions.Search, contexts);
        group.MapGet("/$export", ExportAsync).NationalApi(AuditEventCodes.AuditQuery, AuditAction.Execute, "AuditEvent", ScopePermissions.Search, contexts);
        group.MapGet("/{id}", ReadAsync).NationalApi(AuditEventCodes.AuditQuery, AuditAction.Read, "AuditEvent", ScopePermissions.Read, contexts);
        return app;
    }

    private static async Task<IResult> SearchAsync(HttpContext http, AuditStore store, AuditScope audit, PatientPrivacyReader privacy, TimeProvider time, CancellationToken cancellationToken)
    {
        var (query, failure) = await AuthorisedQueryAsync(http, privacy, time, cancellationToken);
        if (query is null)
            return failure!;
        var found = await store.QueryAsync(query, cancellationToken);
        DescribeRead(http, audit, query, found.Count);

        var baseUrl = $"{http.Request.Scheme}://{http.Request.Host}{http.Request.PathBase}/fhir";
        var bundle = new Bundle { Type = Bundle.BundleType.Searchset };
        bundle.Link.Add(new Bundle.LinkComponent { Relation = "self", Url = baseUrl + "/AuditEvent" + http.Request.QueryString });
        if (found.Count == query.Limit)
        {
            var next = http.Request.Query.Where(q => q.Key != "_cursor").SelectMany(q => q.Value.Select(v => $"{Uri.EscapeDataString(q.Key)}={Uri.EscapeDataString(v ?? "")}"))
                .Append("_cursor=" + Cursor(AuditCursor.Of(found[^1])));
            bundle.Link.Add(new Bundle.LinkComponent { Relation = "next", Url = $"{baseUrl}/AuditEvent?{string.Join('&', next)}" });
        }
        foreach (var stored in found)
            bundle.Entry.Add(new Bundle.EntryComponent { FullUrl = $"{baseUrl}/AuditEvent/{stored.Receipt.Id}", Resource = AuditEvents.ToFhir(stored), Search = new Bundle.SearchComponent { Mode = Bundle.SearchEntryMode.Match } });
        return FhirResults.Resource(bundle);
    }

    /// <summary>Every matching record as NDJSON (one AuditEvent per line), streamed page by page.</summary>
    private static async Task<IResult> ExportAsync(HttpContext http, AuditStore store, AuditScope audit, PatientPrivacyReader privacy, TimeProvider time, CancellationToken cancellationToken)
    {
        var (query, failure) = await AuthorisedQueryAsync(http, privacy, time, cancellationToken, exporting: true);
        if (query is null)
            return failure!;
        DescribeRead(http, audit, query, null);
        // Streamed after the route's filter has stored the record of this read.
        return Results.Stream(async body =>
        {
            var page = query with { Limit = AuditStore.MaxPage };
            while (true)
            {
                var found = await store.QueryAsync(page, cancellationToken);
                foreach (var stored in found)
                {
                    await body.WriteAsync(FhirJson.SerializeToUtf8(AuditEvents.ToFhir(stored)), cancellationToken);
                    await body.WriteAsync("\n"u8.ToArray(), cancellationToken);
                }
                if (found.Count < page.Limit)
                    return;
                page = page with { After = AuditCursor.Of(found[^1]) };
            }
        }, "application/fhir+ndjson");
    }

    private static async Task<IResult> ReadAsync(string id, HttpContext http, AuditStore store, AuditScope audit, PatientPrivacyReader privacy, TimeProvider time, CancellationToken cancellationToken)
    {
        var actor = audit.Actor;
        var stored = AuditReceipt.TryParse(id, out var receipt) ? await store.GetAsync(receipt, cancellationToken) : null;
        // A record the caller may not read answers exactly as one that does not exist: ids must not reveal whose log holds what.
        if (stored is null || !await MayReadAsync(actor, stored.Columns, privacy, time, cancellationToken))
            return FhirResults.Error(404, "NDI-AUD-005", OperationOutcome.IssueType.NotFound, $"No AuditEvent {id} that you may read.");
        audit.Record = audit.Record with
        {
            Patient = stored.Columns.Patient,
            Entities = [new AuditEntity("audit-event", stored.Receipt.Id)],
        };
        return FhirResults.Resource(AuditEvents.ToFhir(stored));
    }

    private static async Task<bool> MayReadAsync(Actor actor, AuditColumns record, PatientPrivacyReader privacy, TimeProvider time, CancellationToken cancellationToken)
    {
        var right = AccessPolicy.MayReadAuditLog(actor);
        if (right.Reach is AuditReach.PatientsRepresented)
            return actor is PersonActor person && record.Patient is { } patient && PersonalIdentityNumber.TryParse(patient, out var number, out _)
                && (await privacy.PersonMayActForAsync(person.Person, number, time.GetUtcNow(), cancellationToken)).May;
        return right.Covers(record.Actor, record.ActorProvider);
    }

    /// <summary>The query the parameters ask for, narrowed to what the caller may read; or the error answer.</summary>
    private static async Task<(AuditQuery? Query, IResult? Failure)> AuthorisedQueryAsync(HttpContext http, PatientPrivacyReader privacy, TimeProvider time, CancellationToken cancellationToken, bool exporting = false)
    {
        var actor = Actors.From(http.User)!; // the route's filter refused tokens that name no actor
        var (query, error, parameter) = ParseQuery(http.Request.Query, exporting);
        if (query is null)
            return (null, FhirResults.Error(400, "NDI-AUD-001", OperationOutcome.IssueType.Invalid, error!, parameter));
        var right = AccessPolicy.MayReadAuditLog(actor);
        switch (right.Reach)
        {
            case AuditReach.PatientsRepresented when actor is PersonActor person:
                if (query.Patient is null || !PersonalIdentityNumber.TryParse(query.Patient, out var patient, out _))
                    return (null, FhirResults.Error(400, "NDI-AUD-002", OperationOutcome.IssueType.Required, "A person reads one patient's log at a time: give patient.identifier (your own, or of someone you represent).", "patient.identifier"));
                if (!(await privacy.PersonMayActForAsync(person.Person, patient, time.GetUtcNow(), cancellationToken)).May)
                    return (null, FhirResults.Error(403, "NDI-AUD-003", OperationOutcome.IssueType.Forbidden, "You may read your own access log, and that of a patient you represent (a child under 13 in your custody, or someone who made you their proxy); not this one."));
                return (query, null);
            case AuditReach.OwnProvider or AuditReach.OwnAccesses:
                if (query.ActorProvider is { } asked && asked != right.Provider)
                    return (null, FhirResults.Error(403, "NDI-AUD-004", OperationOutcome.IssueType.Forbidden, "A provider reviews the accesses of its own staff and systems: agent-provider must be your provider (it is the default)."));
                if (right.Reach is AuditReach.OwnAccesses && query.Actor is { } who && who != right.Actor)
                    return (null, FhirResults.Error(403, "NDI-AUD-006", OperationOutcome.IssueType.Forbidden, "You read the records of your own accesses; the accesses of others are read by your provider's log reviewer (role log-reviewer)."));
                return (query with { ActorProvider = right.Provider, Actor = right.Reach is AuditReach.OwnAccesses ? right.Actor : query.Actor }, null);
            case AuditReach.Everything:
                return (query, null);
            default:
                return (null, Actors.Unrecognised());
        }
    }

    /// <summary>Reading the log is an access to personal data too, and is logged like any other.</summary>
    private static void DescribeRead(HttpContext http, AuditScope audit, AuditQuery query, int? count) =>
        audit.Record = audit.Record with
        {
            Patient = query.Patient,
            Entities = [new AuditEntity("query", http.Request.QueryString.Value, query.ActorProvider, Detail: count is { } n ? $"{n} records listed" : "export")],
        };

    private static (AuditQuery? Query, string? Error, string? Parameter) ParseQuery(IQueryCollection parameters, bool exporting)
    {
        var query = new AuditQuery(Limit: DefaultCount);
        foreach (var (name, values) in parameters)
        {
            foreach (var raw in values)
            {
                var value = raw ?? string.Empty;
                switch (name)
                {
                    case "patient.identifier" or "patient":
                        var bar = value.IndexOf('|');
                        if (!PersonalIdentityNumber.TryParse(bar >= 0 ? value[(bar + 1)..] : value, out var patient, out var problem))
                            return (null, $"{name}: {problem}", name);
                        query = query with { Patient = patient.Value };
                        break;
                    case "agent.identifier" or "agent":
                        var agent = value[(value.IndexOf('|') + 1)..];
                        if (agent.Length is 0 or > 200)
                            return (null, $"{name} must name an agent's identifier", name);
                        query = query with { Actor = agent };
                        break;
                    case "agent-provider":
                        if (!HsaId.TryParse(value[(value.IndexOf('|') + 1)..], out var provider, out var hsaProblem))
                            return (null, $"{name}: {hsaProblem}", name);
                        query = query with { ActorProvider = provider.Value };
                        break;
                    case "emergency":
                        if (value is not ("true" or "false"))
                            return (null, "emergency is true or false", name);
                        query = query with { EmergencyOnly = value == "true" };
                        break;
                    case "date":
                        if (!TryParseDate(value, out var prefix, out var instant, out var dateOnly))
                            return (null, "date takes a prefix ge, gt, le or lt and a date or dateTime, e.g. ge2026-11-01 or lt2026-11-23T12:00:00Z", name);
                        var after = Later(instant, dateOnly ? TimeSpan.FromDays(1) : TimeSpan.FromTicks(10));
                        query = prefix switch
                        {
                            "ge" => query with { From = instant },
                            "gt" => query with { From = after },
                            "lt" => query with { Before = instant },
                            _ => query with { Before = after },
                        };
                        break;
                    case "_count" when !exporting:
                        if (!int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var count) || count is < 1 or > MaxCount)
                            return (null, $"_count is a number from 1 to {MaxCount}", name);
                        query = query with { Limit = count };
                        break;
                    case "_cursor" when !exporting:
                        if (ReadCursor(value) is not { } cursor)
                            return (null, "_cursor is not one this server gave out (take the next link as it is)", name);
                        query = query with { After = cursor };
                        break;
                    default:
                        return (null, $"search parameter '{name}' is not supported for AuditEvent{(exporting ? " $export" : "")}", name);
                }
            }
        }
        return (query, null, null);
    }

    /// <summary>
    /// The instant <paramref name="step"/> after <paramref name="instant"/>, or the end of time when that is past what a
    /// DateTimeOffset holds (<c>le9999-12-31</c> means everything; <c>gt9999-12-31</c> nothing), never an overflow.
    /// </summary>
    private static DateTimeOffset Later(DateTimeOffset instant, TimeSpan step) =>
        instant > DateTimeOffset.MaxValue - step ? DateTimeOffset.MaxValue : instant + step;

    private static bool TryParseDate(string value, out string prefix, out DateTimeOffset instant, out bool dateOnly)
    {
        prefix = value.Length > 2 ? value[..2] : string.Empty;
        instant = default;
        var text = value.Length > 2 ? value[2..] : string.Empty;
        dateOnly = DateOnly.TryParseExact(text, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var day);
        if (dateOnly)
            instant = new DateTimeOffset(day.ToDateTime(TimeOnly.MinValue), TimeSpan.Zero);
        else if (text.Contains('T', StringComparison.Ordinal) && DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AdjustToUniversal, out var parsed) && (text.EndsWith('Z') || text.Contains('+', StringComparison.Ordinal) || text.LastIndexOf('-') > text.IndexOf('T', StringComparison.Ordinal)))
            instant = parsed;
        else
            return false;
        return prefix is "ge" or "gt" or "le" or "lt";
    }

    private static string Cursor(AuditCursor cursor) =>
        Base64UrlEncoder.Encode($"{AuditJson.FormatTime(cursor.Recorded)}|{cursor.Partition}|{cursor.Sequence.ToString(CultureInfo.InvariantCulture)}");

    private static AuditCursor? ReadCursor(string text)
    {
        try
        {
            var parts = Base64UrlEncoder.Decode(text).Split('|');
            return parts.Length == 3 && DateTimeOffset.TryParse(parts[0], CultureInfo.InvariantCulture, DateTimeStyles.AdjustToUniversal, out var recorded)
                && long.TryParse(parts[2], NumberStyles.None, CultureInfo.InvariantCulture, out var sequence) && AuditChain.ValidatePartition(parts[1]) is null
                ? new AuditCursor(recorded, parts[1], sequence)
                : null;
        }
        catch (Exception e) when (e is FormatException or ArgumentException)
        {
            return null;
        }
    }
}
