using Hl7.Fhir.Model;
using Microsoft.Extensions.Options;
using OpenNdi.Core.Audit;
using OpenNdi.Core.Identifiers;
using OpenNdi.Core.Identity;
using OpenNdi.Core.Index;
using OpenNdi.Fhir;
using OpenNdi.Fhir.Merging;
using OpenNdi.Server.Audit;
using OpenNdi.Server.FhirApi;
using OpenNdi.Server.Identity;
using OpenNdi.Server.PatientIndex;
using OpenNdi.Server.ServiceDirectory;
using Task = System.Threading.Tasks.Task;

namespace OpenNdi.Server.ProfessionalAccess;

/// <summary>
/// The state access service for professionals (SOU 2026:6 §2.6.1): a clinician at any provider gets the patient's data
/// from every provider the patient has met, in one answer, in the European exchange format.
/// <code>
/// GET /fhir/Patient/$summary?identifier={system}|{personnummer}          IPS document Bundle merged from all providers
/// GET /fhir/{Type}?patient.identifier={system}|{personnummer}[&amp;date=…][&amp;code=…]   one category across providers
///     Type: MedicationStatement, MedicationRequest, MedicationDispense, AllergyIntolerance, Condition, Immunization,
///           Observation, DiagnosticReport (category=LAB|RAD), Procedure, Flag, DeviceUseStatement, Composition (discharge reports)
/// Headers: Ndi-Care-Relationship: declared · Ndi-Emergency-Reason: {why} (breaks blocks, never an opt-out)
/// </code>
/// Partial answers are answers: providers that were slow, down or wrong are named in the OperationOutcome.
/// Nothing fetched is stored: answers carry <c>Cache-Control: no-store</c> (ADR 0006).
/// </summary>
internal static class ProfessionalAccessEndpoints
{
    /// <summary>The resource types read across providers, each under its index categories.</summary>
    public static readonly string[] ReadTypes =
    [
        "MedicationStatement", "MedicationRequest", "MedicationDispense", "AllergyIntolerance", "Condition", "Immunization",
        "Observation", "DiagnosticReport", "Procedure", "Flag", "DeviceUseStatement", "Composition",
    ];

    public static IServiceCollection AddProfessionalAccess(this IServiceCollection services, IConfiguration configuration)
    {
        var options = configuration.GetSection("ProfessionalAccess").Get<ProfessionalAccessOptions>() ?? new ProfessionalAccessOptions();
        if (options.Validate() is { Count: > 0 } problems)
            throw new InvalidOperationException("Invalid professional access settings: " + string.Join("; ", problems));
        services.AddSingleton(Options.Create(options));
        services.TryAddDirectoryStore();
        services.TryAddIndexAccess();
        var providerClient = services.AddHttpClient(ProviderFetcher.HttpClientName, client =>
        {
            client.MaxResponseContentBufferSize = options.MaxAnswerBytes;
            client.Timeout = Timeout.InfiniteTimeSpan; // the deadlines are ours, per provider and per request
        });
        services.AddProviderCallAuthentication(configuration, providerClient); // token and TLS client certificate (issue 14)
        services.AddSingleton<ProviderFetcher>();
        services.AddSingleton<ProviderNames>();
        services.AddSingleton<AccessFlow>();
        if (options.ProfilePackages is { Length: > 0 } packages)
        {
            services.AddSingleton(new SummaryProfileCheck(new OpenNdi.Fhir.Validation.IpsProfileValidator(packages)));
            services.AddHostedService<SummaryProfileWarmUp>();
        }
        services.AddSingleton(new FhirCapability("Patient", [], [("identifier", SearchParamType.Token)], [("summary", "http://hl7.org/fhir/uv/ips/OperationDefinition/summary")]));
        foreach (var type in ReadTypes)
            services.AddSingleton(new FhirCapability(type, [CapabilityStatement.TypeRestfulInteraction.SearchType],
                [("patient.identifier", SearchParamType.Token), ("date", SearchParamType.Date), ("code", SearchParamType.Token), .. Extra(type)], []));
        return services;
    }

    private static IEnumerable<(string, SearchParamType)> Extra(string type) => type switch
    {
        "DiagnosticReport" => [("category", SearchParamType.Token)],
        "Composition" => [("type", SearchParamType.Token)],
        _ => [],
    };

    public static IEndpointRouteBuilder MapProfessionalAccess(this IEndpointRouteBuilder app)
    {
        app.LogProviderCallAuthentication();
        app.MapGet("/fhir/Patient/$summary", SummaryAsync)
            .WithTags("Access service for professionals")
            .NationalApi(AuditEventCodes.PatientSummary, AuditAction.Execute, "Patient", ScopePermissions.Read, ScopeContext.User, ScopeContext.System, ScopeContext.Patient)
            .ExcludeFromDescription();
        foreach (var type in ReadTypes)
        {
            app.MapGet($"/fhir/{type}", (HttpContext http, AccessFlow flow, AuditScope audit) => SearchAsync(http, type, flow, audit))
                .WithTags("Access service for professionals")
                .NationalApi(AuditEventCodes.ClinicalRead, AuditAction.Execute, type, ScopePermissions.Read | ScopePermissions.Search, ScopeContext.User, ScopeContext.System, ScopeContext.Patient)
                .ExcludeFromDescription();
        }
        return app;
    }

    private static async Task<IResult> SummaryAsync(HttpContext http, AccessFlow flow, AuditScope audit, TimeProvider time)
    {
        var query = http.Request.Query;
        if (query.Keys.FirstOrDefault(k => k is not ("identifier" or "patient.identifier" or "_format")) is { } unknown)
            return FhirResults.Error(400, "NDI-PAS-002", OperationOutcome.IssueType.NotSupported, $"parameter '{unknown}' is not supported by $summary (identifier)", unknown);
        var name = query.ContainsKey("patient.identifier") && !query.ContainsKey("identifier") ? "patient.identifier" : "identifier";
        var (parsed, error) = ParsePatient(query[name].FirstOrDefault(), name);
        if (parsed is not { } patient)
            return FhirResults.Error(400, "NDI-PAS-001", OperationOutcome.IssueType.Required, error!, "identifier");

        var (gathered, refusal) = await flow.GatherAsync(http, audit, patient, ClinicalCategories.Summary, FetchPlan.ForSummary);
        if (gathered is null)
            return refusal!;

        var (document, released) = gathered.Summary(Guid.NewGuid().ToString(), time.GetUtcNow());
        Validate(http, document);

        AccessFlow.Describe(http, audit, gathered, released);
        // Written with the providers' own bytes for what passes through unchanged (issue 16), not serialised again,
        // straight into the response.
        return NoStore(http, FhirResults.Streamed(output => BundleJson.Write(document, output)));
    }

    private static async Task<IResult> SearchAsync(HttpContext http, string type, AccessFlow flow, AuditScope audit)
    {
        var (parsed, passOn, categories, error, parameter) = ParseSearch(type, http.Request.Query);
        if (parsed is not { } patient)
            return FhirResults.Error(400, parameter == "patient.identifier" ? "NDI-PAS-001" : "NDI-PAS-002", OperationOutcome.IssueType.Invalid, error!, parameter);

        var (gathered, refusal) = await flow.GatherAsync(http, audit, patient, categories,
            lookup => FetchPlan.ForSearch(lookup, type, passOn));
        if (gathered is null)
            return refusal!;

        var request = http.Request;
        var (searchset, released) = gathered.Searchset(type, categories, $"{request.Scheme}://{request.Host}{request.PathBase}{request.Path}{request.QueryString}");
        AccessFlow.Describe(http, audit, gathered, released);
        return NoStore(http, FhirResults.Resource(searchset));
    }

    // Our own rules only where the IPS profiles do not reach (issue 13): the document rules and Provenance on every
    // entry, some 30 µs a summary. The element rules of the parts this service makes are the profiles' (Bundle-uv-ips,
    // checked by Firely's validator on every kind of summary in the tests, and at run time with
    // ProfessionalAccess:ProfilePackages); checking them again here cost 1.4 ms a ten-provider summary.
    private static readonly FhirDocumentValidator DocumentValidator = new(new FhirDocumentValidatorOptions
    {
        RequireProvenance = true,
        ValidateElementsOf = _ => false,
    });

    /// <summary>
    /// The assembled document checked against the IPS document rules and for Provenance on every entry. A failure is
    /// ours, not the providers' (their items were validated one by one): it is logged as an error and said in the
    /// answer, which still goes out — withholding a whole summary from an emergency room for our own bug helps no one.
    /// </summary>
    private static void Validate(HttpContext http, Bundle document)
    {
        var result = DocumentValidator.Validate(document);
        var errors = result.Errors.Select(e => (e.Code, e.Location, e.Message)).ToList();
        // With ProfessionalAccess:ProfilePackages, the IPS profiles too, with Firely's validator.
        if (http.RequestServices.GetService<SummaryProfileCheck>() is { } profiles)
            errors.AddRange(profiles.Validator.Validate(document, IpsProfiles.Bundle).Errors.Select(e => ($"IPS {e.Code}", e.Location, e.Message)));
        if (errors.Count == 0)
            return;
        http.RequestServices.GetRequiredService<ILoggerFactory>().CreateLogger(typeof(ProfessionalAccessEndpoints))
            .LogError("The assembled patient summary failed validation: {Problems}", string.Join("; ", errors.Select(e => $"{e.Code} {e.Location}: {e.Message}")));
        if (document.Entry[^1].Resource is not OperationOutcome outcome)
            document.Entry.Add(new Bundle.EntryComponent { FullUrl = $"urn:uuid:{Guid.NewGuid()}", Resource = outcome = new OperationOutcome() });
        foreach (var error in errors)
            AccessOutcome.Add(outcome, OperationOutcome.IssueSeverity.Error, "NDI-PAS-040", OperationOutcome.IssueType.Invariant, $"The summary does not meet {error.Code} at {error.Location}: {error.Message}");
    }

    /// <summary>Clinical data leaves no copy behind: not in the server (nothing is cached) and not in any HTTP cache on the way.</summary>
    private static IResult NoStore(HttpContext http, IResult result)
    {
        http.Response.Headers.CacheControl = "no-store";
        return result;
    }

    private static (PersonalIdentityNumber? Patient, string? Error) ParsePatient(string? text, string name) =>
        string.IsNullOrEmpty(text)
            ? (null, $"the patient is required: {name}={PersonalIdentityNumber.PersonnummerSystem}|{{personnummer}}")
            : PatientIdentifierParameter.TryParse(text, name, out var id, out var error) ? (id, null) : (null, error);

    private static readonly System.Text.RegularExpressions.Regex DateSearch =
        new(@"^(eq|ge|gt|le|lt)?(?<date>[0-9]{4}(-[0-9]{2}(-[0-9]{2})?)?)$", System.Text.RegularExpressions.RegexOptions.CultureInvariant);

    /// <summary>
    /// A date search value (FHIR R4 §3.1.1.4.2) of year, month or day precision, with an optional prefix, that names
    /// a real date: 2024-99-01 or 2024-02-30 has the shape but no meaning, and is refused here rather than passed on
    /// to every provider to fail there.
    /// </summary>
    private static bool IsDateSearch(string value)
    {
        var match = DateSearch.Match(value);
        if (!match.Success)
            return false;
        var date = match.Groups["date"].Value;
        var format = date.Length switch { 4 => "yyyy", 7 => "yyyy-MM", _ => "yyyy-MM-dd" };
        return DateTime.TryParseExact(date, format, System.Globalization.CultureInfo.InvariantCulture, System.Globalization.DateTimeStyles.None, out _);
    }

    /// <summary>
    /// The patient, the search to pass on to each provider (date and code as given; DiagnosticReport category and
    /// Composition type), and the index categories to look in. Unknown parameters are errors, not ignored.
    /// </summary>
    private static (PersonalIdentityNumber? Patient, string PassOn, IReadOnlyCollection<DataCategory> Categories, string? Error, string? Parameter) ParseSearch(string type, IQueryCollection query)
    {
        PersonalIdentityNumber? patient = null;
        var passOn = new List<string>();
        IReadOnlyCollection<DataCategory> categories = ClinicalCategories.ReadAs(type);
        foreach (var (name, values) in query)
        {
            if (values.Count != 1)
                return (null, "", categories, $"parameter '{name}' may be given once", name);
            var value = values[0] ?? "";
            switch (name)
            {
                case "patient.identifier":
                    (patient, var error) = ParsePatient(value, name);
                    if (patient is null)
                        return (null, "", categories, error, name);
                    break;
                case "date" when IsDateSearch(value):
                case "code" when value.Length is > 0 and < 256:
                    passOn.Add($"{name}={Uri.EscapeDataString(value)}");
                    break;
                case "category" when type == "DiagnosticReport" && value.Split('|')[^1] is "LAB" or "RAD":
                    categories = value.EndsWith("LAB", StringComparison.Ordinal) ? [DataCategory.Laboratory] : [DataCategory.ImagingReport];
                    passOn.Add($"category={Uri.EscapeDataString(value)}");
                    break;
                case "type" when type == "Composition" && value.Length is > 0 and < 256:
                    passOn.Add($"type={Uri.EscapeDataString(value)}");
                    break;
                case "date" or "code" or "category" or "type":
                    return (null, "", categories, $"'{value}' is not a valid {name} for {type}", name);
                case "_format":
                    break;
                default:
                    return (null, "", categories, $"search parameter '{name}' is not supported for {type} across providers", name);
            }
        }
        // A laboratory report without its results is half a report: the results travel as included Observations.
        if (type == "DiagnosticReport")
            passOn.Add("_include=DiagnosticReport:result");
        if (type == "Composition" && !passOn.Any(p => p.StartsWith("type=", StringComparison.Ordinal)))
            passOn.Add($"type={Uri.EscapeDataString($"{DataCategory.LoincSystem}|{DataCategory.DischargeReport.Loinc}")}");
        return patient is null
            ? (null, "", categories, "patient.identifier is required: data is read one patient at a time", "patient.identifier")
            : (patient, string.Join('&', passOn), categories, null, null);
    }
}

/// <summary>The IPS profile validator the service checks its own summaries with, when <see cref="ProfessionalAccessOptions.ProfilePackages"/> is set.</summary>
internal sealed record SummaryProfileCheck(OpenNdi.Fhir.Validation.IpsProfileValidator Validator);

/// <summary>Compiles the IPS profiles in the background at start, so the first clinician's summary does not wait seconds for it.</summary>
internal sealed class SummaryProfileWarmUp(SummaryProfileCheck check, ILogger<SummaryProfileWarmUp> logger) : BackgroundService
{
    protected override System.Threading.Tasks.Task ExecuteAsync(CancellationToken stoppingToken) => System.Threading.Tasks.Task.Run(() =>
    {
        var started = System.Diagnostics.Stopwatch.GetTimestamp();
        check.Validator.Validate(new Bundle { Type = Bundle.BundleType.Document }, IpsProfiles.Bundle);
        logger.LogInformation("IPS profiles compiled for the summary check in {ElapsedMs} ms", (int)System.Diagnostics.Stopwatch.GetElapsedTime(started).TotalMilliseconds);
    }, stoppingToken);
}
