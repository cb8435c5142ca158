using BenchmarkDotNet.Attributes;
using OpenNdi.Core.Identifiers;
using OpenNdi.Core.Identity;
using OpenNdi.Core.Index;
using OpenNdi.Core.Policy;

namespace OpenNdi.Bench;

/// <summary>
/// The access policy on a 50-item request (issue 5): a clinician at one provider asking for items from ten others.
/// The baseline builds the same 50 permits without deciding anything: what any answer costs at least.
/// </summary>
[MemoryDiagnoser]
public class PolicyBenchmarks
{
    private static readonly OrganizationNumber Own = OrganizationNumber.Parse("232100-0016");
    private readonly AccessRequest _request;
    private readonly AccessRequest _emergency;
    private readonly PatientPrivacy _none;
    private readonly PatientPrivacy _tenBlocks;
    private readonly PatientPrivacy _optedOut;

    public PolicyBenchmarks()
    {
        var patient = PersonalIdentityNumber.Create(new DateOnly(1980, 4, 2), 123, coordination: false);
        var organizations = Enumerable.Range(0, 10).Select(i => OrganizationNumber.Create($"55601{i:D4}"[..9])).ToList();
        var items = Enumerable.Range(0, 50).Select(i =>
        {
            var org = organizations[i % 10];
            return new RequestedItem(HsaId.Create(org, "1000"), HsaId.Create(org, $"U{i % 3}"), DataCategory.All[i % DataCategory.All.Count], $"item-{i}");
        }).ToList();
        var clinician = new ProfessionalActor(HsaId.Create(Own, "DR1"), HsaId.Create(Own, "1000"), HsaId.Create(Own, "E1"), new Assignment("a", true), PurposeOfUse.Treatment);
        var at = new DateTimeOffset(2026, 11, 23, 10, 0, 0, TimeSpan.Zero);
        _request = new AccessRequest(clinician, patient, items, at, CareRelationshipDeclared: true);
        _emergency = _request with { Emergency = new EmergencyAccess("unconscious") };
        _none = PatientPrivacy.None(patient);
        _tenBlocks = _none with
        {
            Blocks = [.. Enumerable.Range(0, 10).Select(i => new Block($"b{i}", BlockScope.CareUnit, null, HsaId.Create(organizations[i], "U1"), null, null))],
        };
        _optedOut = _none with { PrimaryUseOptOut = true };
    }

    [Benchmark(Baseline = true)]
    public int Baseline_PermitEverything() => new AccessDecision([.. _request.Items.Select(i => new ItemDecision(i, true, DecisionReason.CareRelationship))], null).Items.Count;

    [Benchmark]
    public int Decide_NoConsents() => AccessPolicy.Decide(_request, _none).Items.Count;

    [Benchmark]
    public int Decide_TenBlocks_EmergencyBreak() => AccessPolicy.Decide(_emergency, _tenBlocks).Items.Count;

    [Benchmark]
    public int Decide_OptedOut() => AccessPolicy.Decide(_request, _optedOut).Items.Count;
}
