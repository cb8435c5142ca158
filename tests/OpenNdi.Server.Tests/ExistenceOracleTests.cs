using System.Net;
using System.Text.RegularExpressions;
using Hl7.Fhir.Model;
using Microsoft.Extensions.DependencyInjection;
using OpenNdi.Core.Audit;
using OpenNdi.Core.Identifiers;
using OpenNdi.Core.Index;
using OpenNdi.Data.Audit;
using OpenNdi.Data.Index;
using OpenNdi.Fhir;
using OpenNdi.Server.Audit;
using Task = System.Threading.Tasks.Task;

namespace OpenNdi.Server.Tests;

/// <summary>
/// No existence oracle (issue 12 finding 4): a caller who may see nothing of a patient gets the same answer whether
/// the patient exists, has data, or opted out, with no counts; the reasons and counts go to the audit log, and to a
/// clinician only for what they can act on (blocks they may break in an emergency).
/// </summary>
[Trait("Category", "Security")]
public sealed class ExistenceOracleTests : IAsyncLifetime
{
    /// <summary>Has entries at two other providers.</summary>
    private static readonly PersonalIdentityNumber WithData = PersonalIdentityNumber.Create(new DateOnly(1971, 3, 14), 238, coordination: false);

    /// <summary>A valid personnummer with no entries at all.</summary>
    private static readonly PersonalIdentityNumber WithoutData = PersonalIdentityNumber.Create(new DateOnly(1968, 9, 30), 417, coordination: false);

    /// <summary>Has entries at two other providers, and opted out of sharing.</summary>
    private static readonly PersonalIdentityNumber OptedOut = PersonalIdentityNumber.Create(new DateOnly(1990, 1, 2), 556, coordination: false);

    private static readonly PersonalIdentityNumber Stranger = PersonalIdentityNumber.Create(new DateOnly(1985, 7, 7), 191, coordination: false);

    private static readonly HsaId Region = HsaId.Create(OrganizationNumber.Parse("232100-0016"), "1000");
    private static readonly HsaId RegionUnit = HsaId.Create(OrganizationNumber.Parse("232100-0016"), "15CQ");
    private static readonly HsaId Private = HsaId.Create(OrganizationNumber.Parse("556677-8899"), "3000");
    private static readonly HsaId PrivateUnit = HsaId.Create(OrganizationNumber.Parse("556677-8899"), "V7");

    /// <summary>The patients a caller who may not see them must not be able to tell apart.</summary>
    public static TheoryData<string> Callers => new() { "stranger", "other-system", "clinician-without-care-relationship" };

    private readonly TestIssuer _issuer = new("https://idp.national.example");
    private NdiServer _server = null!;

    public async ValueTask InitializeAsync()
    {
        _server = await NdiServer.StartTrustingAsync("sqlite", _issuer);
        var index = new IndexStore(_server.Database.Database);
        foreach (var patient in new[] { WithData, OptedOut })
        {
            await index.PublishAsync(
            [
                new IndexEntry(new IndexEntryKey(patient, DataCategory.Laboratory, RegionUnit, "ehr-1", "lab-1"), Region, new(2024, 1, 1), new(2025, 1, 1)),
                new IndexEntry(new IndexEntryKey(patient, DataCategory.Laboratory, RegionUnit, "ehr-1", "lab-2"), Region, new(2024, 3, 1), new(2025, 2, 1)),
                new IndexEntry(new IndexEntryKey(patient, DataCategory.Problems, PrivateUnit, "private-ehr", "problems"), Private, new(2023, 5, 1), new(2025, 6, 1)),
            ]);
        }
        await ConsentRequests.PostAsync(_server, _issuer, OptedOut, "optout-primary", """{"type":"deny"}""");
    }

    public async ValueTask DisposeAsync()
    {
        await _server.DisposeAsync();
        _issuer.Dispose();
    }

    private string TokenOf(string caller) => caller switch
    {
        "stranger" => _issuer.PersonToken("patient/*.rs", Stranger),
        "other-system" => _issuer.Token("system/*.rs", claims: new Dictionary<string, object>
        {
            ["ndi_actor"] = "system", ["client_id"] = "third-ehr", ["subject_organization_id"] = HsaId.Create(OrganizationNumber.Parse("556012-5790"), "2000").Value,
        }),
        "clinician-without-care-relationship" or "clinician" => _issuer.Token("user/*.rs", claims: IndexApiTests.ClinicianClaims),
        _ => throw new ArgumentOutOfRangeException(nameof(caller)),
    };

    private Task<HttpResponseMessage> AskAsync(string caller, string url) =>
        _server.SendAsync(HttpMethod.Get, url, TokenOf(caller), headers: caller == "clinician" ? IndexApiTests.CareRelationship : null);

    /// <summary>
    /// What a caller can read from an answer, apart from what only echoes the request (ids, timestamps, the self link
    /// that repeats the personnummer asked about): the status, the entries' kinds and search modes, the total, every
    /// issue's code and text, and every resource's narrative.
    /// </summary>
    private static async Task<string> ObservableAsync(HttpResponseMessage response, PersonalIdentityNumber asked)
    {
        var json = await response.Content.ReadAsStringAsync();
        var parts = new List<string> { ((int)response.StatusCode).ToString(System.Globalization.CultureInfo.InvariantCulture) };
        var resource = FhirJson.Parse<Resource>(json);
        IEnumerable<Resource> all = resource is Bundle bundle ? bundle.Entry.Select(e => e.Resource) : [resource];
        if (resource is Bundle b)
        {
            parts.Add($"total {b.Total}");
            parts.AddRange(b.Entry.Select(e => $"{e.Resource?.TypeName} {e.Search?.Mode}"));
        }
        foreach (var item in all)
        {
            if (item is OperationOutcome outcome)
                parts.AddRange(outcome.Issue.Select(i => $"{i.Severity} {i.Code} {string.Join(",", i.Details?.Coding.Select(c => c.Code) ?? [])} {i.Diagnostics}"));
            if (item is DomainResource { Text.Div: { } div })
                parts.Add(div);
        }
        return string.Join("\n", parts).Replace(asked.Value, "{patient}", StringComparison.Ordinal);
    }

    private async Task<string[]> AnswersForEachPatientAsync(string caller, Func<PersonalIdentityNumber, string> url)
    {
        var answers = new List<string>();
        foreach (var patient in new[] { WithData, WithoutData, OptedOut })
        {
            using var response = await AskAsync(caller, url(patient));
            answers.Add(await ObservableAsync(response, patient));
        }
        return [.. answers];
    }

    [Theory]
    [MemberData(nameof(Callers))]
    public async Task IndexLookup_IsTheSameForEveryPatient_ForACallerWhoMayNotSeeThem(string caller)
    {
        var answers = await AnswersForEachPatientAsync(caller, p => $"/fhir/DocumentReference?patient.identifier={p.Value}");
        var typed = await AnswersForEachPatientAsync(caller, p => $"/fhir/DocumentReference?patient.identifier={p.Value}&type=laboratory");

        Assert.All(answers, a => Assert.Equal(answers[0], a));
        Assert.All(typed, a => Assert.Equal(typed[0], a));
        Assert.DoesNotMatch(new Regex(@"\d+ entries|withheld|opted", RegexOptions.IgnoreCase), answers[0] + typed[0]);
    }

    [Theory]
    [MemberData(nameof(Callers))]
    public async Task Summary_IsTheSameForEveryPatient_ForACallerWhoMayNotSeeThem(string caller)
    {
        var answers = await AnswersForEachPatientAsync(caller, p => $"/fhir/Patient/$summary?identifier={p.Value}");

        Assert.All(answers, a => Assert.Equal(answers[0], a));
        Assert.DoesNotMatch(new Regex(@"\d+ entries|\d+ items|withheld|opted", RegexOptions.IgnoreCase), answers[0]);
    }

    [Fact]
    public async Task APersonWhoDoesNotRepresentThePatient_IsRefusedAlike_AsForAPatientWhoDoesNotExist()
    {
        using var summary = await AskAsync("stranger", $"/fhir/Patient/$summary?identifier={WithData.Value}");
        using var lookup = await AskAsync("stranger", $"/fhir/DocumentReference?patient.identifier={WithData.Value}");

        Assert.Equal(HttpStatusCode.Forbidden, summary.StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, lookup.StatusCode);
        Assert.Contains("only as that person or as their representative", await summary.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task AClinicianInCare_CannotTellAnOptOutFromNoDataElsewhere()
    {
        var answers = new List<string>();
        foreach (var patient in new[] { WithoutData, OptedOut })
        {
            using var lookup = await AskAsync("clinician", $"/fhir/DocumentReference?patient.identifier={patient.Value}");
            answers.Add(await ObservableAsync(lookup, patient));
        }

        Assert.Equal(answers[0], answers[1]);
        Assert.StartsWith("200", answers[0]);
    }

    [Fact]
    public async Task TheAuditLog_KeepsWhatTheCallerWasNotTold()
    {
        using var _ = await AskAsync("clinician", $"/fhir/DocumentReference?patient.identifier={OptedOut.Value}");
        using var __ = await AskAsync("stranger", $"/fhir/DocumentReference?patient.identifier={WithData.Value}");

        var store = _server.Services.GetRequiredService<AuditStore>();
        static AuditRecord Last(IEnumerable<ChainedAuditRecord> records) =>
            records.Select(r => AuditJson.Read(System.Text.Encoding.UTF8.GetBytes(r.Json))).Last(r => r.Event == AuditEventCodes.IndexLookup);
        var optedOut = Last(await store.QueryAsync(new AuditQuery(Patient: OptedOut.Value)));
        var refused = Last(await store.QueryAsync(new AuditQuery(Patient: WithData.Value)));

        Assert.Contains("opted out", optedOut.OutcomeText);
        Assert.Contains("3 entries withheld", optedOut.OutcomeText);
        Assert.Equal(AuditOutcome.MinorFailure, refused.Outcome);
        Assert.Contains("3 entries withheld", refused.OutcomeText);
    }
}
