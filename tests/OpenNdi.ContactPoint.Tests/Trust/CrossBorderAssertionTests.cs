using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;
using OpenNdi.ContactPoint.Demo;
using OpenNdi.ContactPoint.Domain;
using OpenNdi.ContactPoint.Trust;
using System.Text;

namespace OpenNdi.ContactPoint.Tests.Trust;

[Trait("Category", "Security")]
public sealed class CrossBorderAssertionTests(DemoEuFixture demo) : IClassFixture<DemoEuFixture>
{
    private static readonly DateTimeOffset Now = DemoEuFixture.Made.AddDays(30);

    private Peer Germany => demo.Trust.Find(DemoEuTrust.GermanyId)!;

    private static CrossBorderAssertionContent Doctor(string issuer = DemoEuTrust.GermanyId, string audience = DemoEuFixture.Audience) => new(
        issuer, audience, "de-hcp-4711", "Dr. Anna Schmidt", "221", "Medical doctors", "Praxis Schmidt Berlin", "urn:oid:1.2.276.0.76.4.8|1-2001234567",
        CrossBorderPurpose.Treatment, "urn:oid:1.2.276.0.76.3.1.580", "urn:oid:1.2.752.129.2.1.3.1|191212121212", TimeSpan.FromMinutes(5));

    private Task<TrustDecision<ForeignProfessional>> Validate(string? token, Peer? peer = null, DateTimeOffset? now = null) =>
        new CrossBorderAssertionValidator(demo.Trust, new TestClock(now ?? Now)).ValidateAsync(token, peer ?? Germany);

    private string Issue(CrossBorderAssertionContent? content = null) =>
        CrossBorderAssertion.Issue(content ?? Doctor(), demo.Certificates.GermanySigning, new TestClock(Now));

    /// <summary>A token no contact point should send: the doctor's, bent before it is signed with Germany's key.</summary>
    private string Bent(Action<SecurityTokenDescriptor> bend)
    {
        var descriptor = CrossBorderAssertion.Describe(Doctor(), demo.Certificates.GermanySigning, new TestClock(Now));
        bend(descriptor);
        return CrossBorderAssertion.Sign(descriptor);
    }

    private static Dictionary<string, object> Iua(SecurityTokenDescriptor descriptor) =>
        (Dictionary<string, object>)((Dictionary<string, object>)descriptor.Claims["extensions"])["ihe_iua"];

    [Fact]
    public async Task Validate_WhenGermanysDoctorOnGermanysConnection_IsTheProfessional()
    {
        var decision = await Validate(Issue());

        Assert.True(decision.IsTrusted);
        var professional = decision.Value;
        Assert.Equal("urn:ehdsi:ncp:DE", professional.Peer.Id);
        Assert.Equal("de-hcp-4711", professional.Subject);
        Assert.Equal("Dr. Anna Schmidt", professional.Name);
        Assert.Equal("221", professional.Role);
        Assert.Equal("Praxis Schmidt Berlin", professional.Organization);
        Assert.Equal("urn:oid:1.2.276.0.76.4.8|1-2001234567", professional.OrganizationId);
        Assert.Equal(CrossBorderPurpose.Treatment, professional.Purpose);
        Assert.Equal("urn:oid:1.2.752.129.2.1.3.1|191212121212", professional.TreatedPatient);
        Assert.Equal(new DateTimeOffset(2027, 1, 3, 9, 5, 0, TimeSpan.Zero), professional.ExpiresAt);
        Assert.True(Guid.TryParse(professional.AssertionId, out _));
    }

    [Fact]
    public void Issue_WritesTheIuaShapeOfAdr0010()
    {
        var token = new JsonWebToken(Issue());

        Assert.Equal("ES256", token.Alg);
        Assert.Equal("JWT", token.Typ);
        Assert.True(token.TryGetHeaderValue<List<string>>("x5c", out var x5c));
        Assert.Equal(Convert.ToBase64String(demo.Certificates.GermanySigning.RawData), Assert.Single(x5c));
        var payload = Encoding.UTF8.GetString(Base64UrlEncoder.DecodeBytes(token.EncodedPayload));
        Assert.Contains("\"subject_role\":{\"system\":\"urn:oid:2.16.840.1.113883.2.9.6.2.7\",\"code\":\"221\",\"display\":\"Medical doctors\"}", payload);
        Assert.Contains("\"purpose_of_use\":{\"system\":\"urn:uuid:3bc18518-d305-46c2-a8d6-94bd59856e9e\",\"code\":\"TREATMENT\",\"display\":\"Treatment\"}", payload);
        Assert.Contains("\"home_community_id\":\"urn:oid:1.2.276.0.76.3.1.580\"", payload);
        Assert.Equal(300, token.GetPayloadValue<long>("exp") - token.GetPayloadValue<long>("iat"));
    }

    [Fact]
    public void Issue_WhenLongerThanAnHour_Throws()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => Issue(Doctor() with { Lifetime = TimeSpan.FromMinutes(61) }));
    }

    [Fact]
    public async Task Validate_WhenFrancesKeySignsOnGermanysConnection_IsRefusedWith005()
    {
        var french = CrossBorderAssertion.Issue(Doctor(issuer: DemoEuTrust.FranceId), demo.Certificates.FranceSigning, new TestClock(Now));

        var decision = await Validate(french);

        Assert.False(decision.IsTrusted);
        Assert.Equal("NDI-NCP-005", decision.Refusal.Code);
        Assert.Equal(403, decision.Refusal.Status);
        Assert.Equal("The assertion is not signed by the contact point of this connection.", decision.Refusal.Message);
        Assert.StartsWith("assertion-of-another-peer: signed for urn:ehdsi:ncp:FR on the connection of urn:ehdsi:ncp:DE;", decision.Refusal.AuditDetail);
    }

    [Fact]
    public async Task Validate_WhenSignedByGermanysTlsKey_IsRefusedAsAnUnregisteredSigner()
    {
        var token = CrossBorderAssertion.Issue(Doctor(), demo.Certificates.Germany, new TestClock(Now));

        var refusal = await Invalid(token);

        Assert.StartsWith("assertion-signer-untrusted: not a registered signing certificate;", refusal.AuditDetail);
    }

    [Fact]
    public async Task Validate_WhenSignedUnderAnotherCa_IsRefused()
    {
        var token = CrossBorderAssertion.Issue(Doctor(), demo.Certificates.GermanyOtherAuthority, new TestClock(Now));

        var refusal = await Invalid(token);

        Assert.StartsWith("assertion-signer-untrusted: chain does not end at a configured trust anchor;", refusal.AuditDetail);
    }

    [Fact]
    public async Task Validate_WhenTheAudienceIsAnotherCountrys_IsRefused()
    {
        var refusal = await Invalid(Issue(Doctor(audience: "https://ncp.demo.fr/ncp/fhir")));

        Assert.Equal("The assertion's signature, issuer, audience or lifetime is not valid.", refusal.Message);
        Assert.StartsWith("assertion-invalid: SecurityTokenInvalidAudienceException", refusal.AuditDetail);
    }

    [Fact]
    public async Task Validate_WhenTheIssuerIsNotThePeer_IsRefused()
    {
        var refusal = await Invalid(Issue(Doctor(issuer: DemoEuTrust.FranceId)));

        Assert.StartsWith("assertion-invalid: SecurityTokenInvalidIssuerException", refusal.AuditDetail);
    }

    [Fact]
    public async Task Validate_WhenExpiredOnTheClock_IsRefused()
    {
        var refusal = await Invalid(Issue(), now: Now.AddMinutes(5).AddSeconds(31));

        Assert.Equal("The assertion's signature, issuer, audience or lifetime is not valid.", refusal.Message);
        Assert.StartsWith("assertion-invalid: SecurityTokenInvalidLifetimeException", refusal.AuditDetail);
    }

    [Fact]
    public async Task Validate_WhenExpiredWithinTheSkew_IsTheProfessional()
    {
        var decision = await Validate(Issue(), now: Now.AddMinutes(5).AddSeconds(29));

        Assert.True(decision.IsTrusted);
    }

    [Fact]
    public async Task Validate_WhenNotYetValidBeyondTheSkew_IsRefused()
    {
        var refusal = await Invalid(Issue(), now: Now.AddSeconds(-31));

        Assert.StartsWith("assertion-invalid: SecurityTokenInvalidLifetimeException", refusal.AuditDetail);
    }

    [Fact]
    public async Task Validate_WhenTheLifetimeIsLongerThanAnHour_IsRefused()
    {
        var token = Bent(d => d.Expires = d.IssuedAt!.Value.AddMinutes(61));

        var refusal = await Invalid(token);

        Assert.Equal("assertion-invalid: lifetime 01:01:00 (at most 60 minutes)", refusal.AuditDetail);
    }

    [Fact]
    public async Task Validate_WhenUnsigned_IsRefused()
    {
        var signed = Issue().Split('.');
        var header = Base64UrlEncoder.Encode("{\"alg\":\"none\",\"typ\":\"JWT\"}");
        var unsigned = $"{header}.{signed[1]}.";

        var refusal = await Invalid(unsigned);

        Assert.Equal("The assertion is not signed with ES256 or PS256.", refusal.Message);
        Assert.Equal("assertion-malformed: alg 'none'", refusal.AuditDetail);
    }

    [Fact]
    public async Task Validate_WhenThePayloadWasChangedAfterSigning_IsRefused()
    {
        var parts = Issue().Split('.');
        var payload = Encoding.UTF8.GetString(Base64UrlEncoder.DecodeBytes(parts[1])).Replace("191212121212", "190101010101");
        var forged = $"{parts[0]}.{Base64UrlEncoder.Encode(payload)}.{parts[2]}";

        var refusal = await Invalid(forged);

        // The library names a signature that no key verifies "signature key not found".
        Assert.StartsWith("assertion-invalid: SecurityTokenSignatureKeyNotFoundException", refusal.AuditDetail);
    }

    [Fact]
    public async Task Validate_WhenMissingOrGarbage_IsRefused()
    {
        Assert.Equal("The assertion is missing.", (await Invalid(null)).Message);
        Assert.Equal("The assertion is not a well-formed JWT.", (await Invalid("not-a-jwt")).Message);
    }

    [Fact]
    public async Task Validate_WhenPersonIdIsMissing_IsRefused()
    {
        var refusal = await Invalid(Bent(d => Iua(d).Remove("person_id")));

        Assert.Equal("The assertion lacks required claims or has malformed ones: person_id.", refusal.Message);
    }

    [Fact]
    public async Task Validate_WhenPersonIdHasNoSystem_IsRefused()
    {
        var refusal = await Invalid(Bent(d => Iua(d)["person_id"] = "191212121212"));

        Assert.Equal("The assertion lacks required claims or has malformed ones: person_id (system|value).", refusal.Message);
    }

    [Fact]
    public async Task Validate_WhenThePurposeIsNotTreatmentOrEmergency_IsRefused()
    {
        var refusal = await Invalid(Bent(d => Iua(d)["purpose_of_use"] = new Dictionary<string, object>
        {
            ["system"] = CrossBorderAssertion.PurposeSystem,
            ["code"] = "RESEARCH",
        }));

        Assert.Equal("The assertion lacks required claims or has malformed ones: purpose_of_use (TREATMENT or EMERGENCY).", refusal.Message);
    }

    [Fact]
    public async Task Validate_WhenTheRoleIsMissing_IsRefused()
    {
        var refusal = await Invalid(Bent(d => Iua(d).Remove("subject_role")));

        Assert.Equal("The assertion lacks required claims or has malformed ones: subject_role (Coding of urn:oid:2.16.840.1.113883.2.9.6.2.7).", refusal.Message);
    }

    [Fact]
    public async Task Validate_WhenEmergency_IsTheProfessionalForEmergency()
    {
        var decision = await Validate(Issue(Doctor() with { Purpose = CrossBorderPurpose.Emergency }));

        Assert.True(decision.IsTrusted);
        Assert.Equal(CrossBorderPurpose.Emergency, decision.Value.Purpose);
    }

    private async Task<NcpRefusal> Invalid(string? token, DateTimeOffset? now = null)
    {
        var decision = await Validate(token, now: now);

        Assert.False(decision.IsTrusted);
        Assert.Equal("NDI-NCP-002", decision.Refusal.Code);
        Assert.Equal(401, decision.Refusal.Status);
        return decision.Refusal;
    }
}
