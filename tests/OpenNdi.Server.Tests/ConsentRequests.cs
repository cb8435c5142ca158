using System.Net;
using OpenNdi.Core.Identifiers;

namespace OpenNdi.Server.Tests;

/// <summary>The patient's own app posting a privacy setting (FHIR Consent, IHE PCF shapes) with a token from a trusted test issuer.</summary>
internal static class ConsentRequests
{
    /// <param name="kind">optout-primary, block, proxy, …</param>
    /// <param name="provision">The Consent.provision JSON.</param>
    /// <param name="reach">For a block: <c>cross-border</c> makes it apply to sharing across EU borders only.</param>
    public static async Task PostAsync(NdiServer server, TestIssuer issuer, PersonalIdentityNumber patient, string kind, string provision, string? reach = null)
    {
        var reachCategory = reach is null ? "" : $$$""",{"coding":[{"system":"urn:openndi:consent-block-reach","code":"{{{reach}}}"}]}""";
        var consent = $$$"""
            {"resourceType":"Consent","status":"active",
             "scope":{"coding":[{"system":"http://terminology.hl7.org/CodeSystem/consentscope","code":"patient-privacy"}]},
             "category":[{"coding":[{"system":"urn:openndi:consent-kind","code":"{{{kind}}}"}]}{{{reachCategory}}}],
             "patient":{"identifier":{"system":"urn:oid:1.2.752.129.2.1.3.1","value":"{{{patient.Value}}}"}},
             "provision":{{{provision}}}}
            """;
        var token = issuer.PersonToken("patient/Consent.cruds", patient);
        using var response = await server.SendAsync(HttpMethod.Post, "/fhir/Consent", token, consent);
        Assert.True(response.StatusCode == HttpStatusCode.Created, await response.Content.ReadAsStringAsync());
    }

    /// <summary>A block of every care unit of one provider.</summary>
    public static string ProviderBlock(HsaId provider) => $$$$"""
        {"type":"deny","actor":[{"role":{"coding":[{"system":"urn:openndi:consent-block-target","code":"provider"}]},
          "reference":{"identifier":{"system":"{{{{HsaId.System}}}}","value":"{{{{provider.Value}}}}"}}}]}
        """;
}
