using System.Net;
using Hl7.Fhir.Model;
using Microsoft.Extensions.DependencyInjection;
using OpenNdi.Core.Identifiers;
using OpenNdi.Data.PatientData;
using OpenNdi.Fhir;
using Task = System.Threading.Tasks.Task;

namespace OpenNdi.Server.Tests;

/// <summary>
/// Patient-provided data (issue 15, right 6): a patient adds a home measurement for a care unit; professionals see it
/// marked as patient-provided under the access rules of that unit's data; the receiver's first read is the patient's
/// read receipt; bad input and someone else's patient change nothing.
/// </summary>
[Trait("Category", "Security")]
public sealed class PatientDataApiTests(TrustingServerFixture fixture) : IClassFixture<TrustingServerFixture>
{
    private static readonly OrganizationNumber ReceiverOrg = OrganizationNumber.Parse("556012-5790");
    private static readonly HsaId Receiver = HsaId.Create(ReceiverOrg, "2000");
    private static readonly HsaId ReceiverUnit = HsaId.Create(ReceiverOrg, "V1");
    private static readonly HsaId Elsewhere = HsaId.Create(OrganizationNumber.Parse("212000-0142"), "3000");
    private static readonly HsaId ElsewhereUnit = HsaId.Create(OrganizationNumber.Parse("212000-0142"), "V3");
    private static int _next = 500;

    private static PersonalIdentityNumber NewPerson() => PersonalIdentityNumber.Create(new DateOnly(1960, 1, 1).AddDays(Interlocked.Increment(ref _next)), 530, coordination: false);

    private string PatientToken(PersonalIdentityNumber person) => fixture.Issuer.PersonToken("patient/*.rs patient/Observation.c", person);

    private string ClinicianToken(HsaId provider, HsaId unit, string name) => fixture.Issuer.Token("user/*.rs", claims: new Dictionary<string, object>(IndexApiTests.ClinicianClaims)
    {
        ["subject_organization_id"] = provider.Value, ["care_unit_id"] = unit.Value, ["subject_name"] = name,
    });

    private static string BloodPressure(PersonalIdentityNumber patient, decimal systolic = 142, decimal diastolic = 91, string unit = "mm[Hg]", string receiver = "", string code = "85354-9",
        string effective = "2026-12-06T08:30:00+01:00") => $$$$"""
        {"resourceType":"Observation","status":"final","code":{"coding":[{"system":"http://loinc.org","code":"{{{{code}}}}"}]},
         "subject":{"identifier":{"system":"urn:oid:1.2.752.129.2.1.3.1","value":"{{{{patient.Value}}}}"}},
         "effectiveDateTime":"{{{{effective}}}}",
         "extension":[{"url":"https://openndi.se/fhir/StructureDefinition/intended-receiver","valueReference":{"identifier":{"value":"{{{{(receiver.Length > 0 ? receiver : ReceiverUnit.Value)}}}}"}}}],
         "component":[
           {"code":{"coding":[{"system":"http://loinc.org","code":"8480-6"}]},"valueQuantity":{"value":{{{{systolic}}}},"unit":"{{{{unit}}}}","system":"http://unitsofmeasure.org","code":"{{{{unit}}}}"}},
           {"code":{"coding":[{"system":"http://loinc.org","code":"8462-4"}]},"valueQuantity":{"value":{{{{diastolic}}}},"unit":"{{{{unit}}}}","system":"http://unitsofmeasure.org","code":"{{{{unit}}}}"}}],
         "identifier":[{"value":"sent-by-the-app"}]}
        """;

    private async Task<IReadOnlyList<PatientObservation>> StoredAsync(PersonalIdentityNumber patient) =>
        await fixture.Server.Services.GetRequiredService<PatientDataStore>().ListAsync(patient, TestContext.Current.CancellationToken);

    private async Task<Bundle> SummaryAsync(PersonalIdentityNumber patient, string token, bool careRelationship = true)
    {
        using var response = await fixture.Server.SendAsync(HttpMethod.Get, $"/fhir/Patient/$summary?identifier={patient.Value}", token,
            headers: careRelationship ? IndexApiTests.CareRelationship : null);
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.OK, body);
        return FhirJson.Parse<Bundle>(body);
    }

    private static List<Observation> PatientProvided(Bundle bundle) =>
        [.. bundle.Entry.Select(e => e.Resource).OfType<Observation>().Where(o => o.Meta?.Tag.Any(t => t.Code == "patient-provided") == true)];

    private async Task RegisterUnitsAsync()
    {
        await fixture.Server.RegisterCareUnitsAsync(Receiver, ReceiverUnit);
        await fixture.Server.RegisterCareUnitsAsync(Elsewhere, ElsewhereUnit);
    }

    [Fact]
    public async Task Measurement_IsStoredMarked_SeenByProfessionalsMarked_AndTheReceiversFirstReadIsTheReceipt()
    {
        await RegisterUnitsAsync();
        var patient = NewPerson();

        using var added = await fixture.Server.SendAsync(HttpMethod.Post, "/fhir/Observation", PatientToken(patient), BloodPressure(patient));

        Assert.Equal(HttpStatusCode.Created, added.StatusCode);
        var stored = FhirJson.Parse<Observation>(await added.Content.ReadAsStringAsync());
        Assert.Contains(stored.Meta.Tag, t => t.System == "https://openndi.se/fhir/CodeSystem/data-origin" && t.Code == "patient-provided");
        Assert.Equal(patient.Value, stored.Performer.Single().Identifier.Value);
        Assert.Empty(stored.Identifier); // only what the service read is kept, written by it
        Assert.Equal([142m, 91m], stored.Component.Select(c => ((Quantity)c.Value).Value!.Value));
        var row = Assert.Single(await StoredAsync(patient));
        Assert.Equal(Receiver, row.ReceiverProvider);
        Assert.Null(row.Receipt);

        // A professional elsewhere, in care of the patient: sees it marked, and is no receipt.
        var elsewhere = PatientProvided(await SummaryAsync(patient, ClinicianToken(Elsewhere, ElsewhereUnit, "Dr Bo Berg")));
        Assert.Single(elsewhere);
        Assert.Null(Assert.Single(await StoredAsync(patient)).Receipt);
        // Without a declared care relationship, elsewhere sees nothing of it.
        Assert.Empty(PatientProvided(await SummaryAsync(patient, ClinicianToken(Elsewhere, ElsewhereUnit, "Dr Bo Berg"), careRelationship: false)));

        // The receiving provider's professional: sees it, and that read is the receipt, once.
        Assert.Single(PatientProvided(await SummaryAsync(patient, ClinicianToken(Receiver, ReceiverUnit, "Dr Åsa Öberg"))));
        var receipt = Assert.Single(await StoredAsync(patient)).Receipt;
        Assert.NotNull(receipt);
        Assert.Equal("Dr Åsa Öberg", receipt.ByName);
        await SummaryAsync(patient, ClinicianToken(Receiver, ReceiverUnit, "Dr Carl Ceder"));
        Assert.Equal(receipt, Assert.Single(await StoredAsync(patient)).Receipt);

        // The patient sees the receipt on their own data.
        var own = Assert.Single(PatientProvided(await SummaryAsync(patient, PatientToken(patient), careRelationship: false)));
        var extension = own.GetExtension("https://openndi.se/fhir/StructureDefinition/read-receipt");
        Assert.NotNull(extension);
        Assert.Equal("Dr Åsa Öberg", extension.GetExtensionValue<ResourceReference>("reader").Display);
    }

    public static TheoryData<string, string> BadInputs => new()
    {
        { "a code that is not a patient kind", "code:718-7" },
        { "a value outside what a body can have", "systolic:900" },
        { "a unit that is not mm[Hg]", "unit:kPa" },
        { "a care unit the directory does not know", "receiver:SE2321000016-NONE" },
        { "a time in the future", "effective:2099-01-01T00:00:00Z" },
        { "not an Observation", "patient" },
    };

    [Theory]
    [MemberData(nameof(BadInputs))]
    public async Task BadInput_IsRefusedWithAnOperationOutcome_AndNothingIsStored(string why, string change)
    {
        await RegisterUnitsAsync();
        var patient = NewPerson();
        var (what, value) = (change.Split(':')[0], change.Contains(':') ? change[(change.IndexOf(':') + 1)..] : "");
        var body = what switch
        {
            "code" => BloodPressure(patient, code: value),
            "systolic" => BloodPressure(patient, systolic: decimal.Parse(value, System.Globalization.CultureInfo.InvariantCulture)),
            "unit" => BloodPressure(patient, unit: value),
            "receiver" => BloodPressure(patient, receiver: value),
            "effective" => BloodPressure(patient, effective: value),
            _ => $$"""{"resourceType":"Patient","identifier":[{"value":"{{patient.Value}}"}]}""",
        };

        using var response = await fixture.Server.SendAsync(HttpMethod.Post, "/fhir/Observation", PatientToken(patient), body);

        Assert.True(response.StatusCode == HttpStatusCode.BadRequest, why);
        Assert.Equal("OperationOutcome", FhirJson.Parse<Resource>(await response.Content.ReadAsStringAsync()).TypeName);
        Assert.Empty(await StoredAsync(patient));
    }

    [Fact]
    public async Task AnotherPatientsMeasurement_IsRefused_AndNothingIsStored()
    {
        await RegisterUnitsAsync();
        var patient = NewPerson();
        var other = NewPerson();

        using var response = await fixture.Server.SendAsync(HttpMethod.Post, "/fhir/Observation", PatientToken(patient), BloodPressure(other));
        using var professional = await fixture.Server.SendAsync(HttpMethod.Post, "/fhir/Observation", ClinicianToken(Receiver, ReceiverUnit, "Dr Åsa Öberg"), BloodPressure(other));

        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
        Assert.Contains("NDI-PDA-005", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.Forbidden, professional.StatusCode);
        Assert.Empty(await StoredAsync(other));
    }
}
