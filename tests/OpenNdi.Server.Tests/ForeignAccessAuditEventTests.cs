using System.Text;
using OpenNdi.Core.Audit;
using OpenNdi.Server.Audit;

namespace OpenNdi.Server.Tests;

/// <summary>
/// A read from abroad (a professional in another member state, through that country's MyHealth@EU contact point) as the
/// FHIR AuditEvent the patient's "who accessed my data" reads: the contact point as the request's source agent, never
/// as a Swedish provider (HSA-id), and the professional's identifier in the contact point's namespace.
/// </summary>
public sealed class ForeignAccessAuditEventTests
{
    [Fact]
    public void ToFhir_WhenAProfessionalAbroadRetrieved_NamesTheContactPointAsSource_NotAsAProvider()
    {
        var record = new AuditRecord(DateTimeOffset.Parse("2026-12-01T10:00:00Z", System.Globalization.CultureInfo.InvariantCulture), AuditEventCodes.NcpRetrieve,
            AuditAction.Read, AuditOutcome.Success, new AuditAgent(AuditAgentKind.ForeignProfessional, "de-arzt-4711", "Dr. Jonas Weber", "Arzt", "urn:ehdsi:ncp:DE"),
            Patient: "197001010008", PurposeOfUse: "TREAT");
        var stored = new ChainedAuditRecord("0", 1, "", "", Encoding.UTF8.GetString(AuditJson.Write(record)), AuditColumns.Of(record));

        var fhir = AuditEvents.ToFhir(stored);

        var requestor = Assert.Single(fhir.Agent, a => a.Requestor == true);
        Assert.Equal(("urn:ehdsi:ncp:DE", "de-arzt-4711", "Dr. Jonas Weber"), (requestor.Who.Identifier.System, requestor.Who.Identifier.Value, requestor.Who.Display));
        var source = Assert.Single(fhir.Agent, a => a.Type?.Coding.Any(c => c.Code == "110153") == true);
        Assert.Equal(("urn:ietf:rfc:3986", "urn:ehdsi:ncp:DE"), (source.Who.Identifier.System, source.Who.Identifier.Value));
        Assert.DoesNotContain(fhir.Agent, a => a.Type?.Coding.Any(c => c.Code == "PROV") == true);
    }
}
