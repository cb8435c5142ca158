using OpenNdi.Core.Identity;

namespace OpenNdi.Core.Tests;

public class SmartScopeTests
{
    private const ScopePermissions R = ScopePermissions.Read;
    private const ScopePermissions S = ScopePermissions.Search;
    private const ScopePermissions C = ScopePermissions.Create;
    private const ScopePermissions U = ScopePermissions.Update;
    private const ScopePermissions D = ScopePermissions.Delete;

    [Theory]
    [InlineData("patient/Observation.rs", ScopeContext.Patient, "Observation", R | S)]
    [InlineData("user/*.cruds", ScopeContext.User, "*", C | R | U | D | S)]
    [InlineData("system/DocumentReference.c", ScopeContext.System, "DocumentReference", C)]
    [InlineData("system/DocumentReference.cud", ScopeContext.System, "DocumentReference", C | U | D)]
    [InlineData("user/Patient.r", ScopeContext.User, "Patient", R)]
    [InlineData("patient/*.s", ScopeContext.Patient, "*", S)]
    [InlineData("user/Observation.read", ScopeContext.User, "Observation", R | S)]
    [InlineData("user/Observation.write", ScopeContext.User, "Observation", C | U | D)]
    [InlineData("system/*.*", ScopeContext.System, "*", C | R | U | D | S)]
    [InlineData("patient/AuditEvent.rs", ScopeContext.Patient, "AuditEvent", R | S)]
    public void TryParse_WhenGivenAValidScope_ReadsContextResourceAndPermissions(string text, ScopeContext context, string resource, ScopePermissions permissions)
    {
        Assert.True(SmartScope.TryParse(text, out var scope, out var error), error);
        Assert.Equal((context, resource, permissions), (scope.Context, scope.ResourceType, scope.Permissions));
        Assert.Empty(scope.Parameters);
    }

    [Fact]
    public void TryParse_WhenAGranularScopeHasParameters_KeepsThem()
    {
        Assert.True(SmartScope.TryParse("patient/Observation.rs?category=http://terminology.hl7.org/CodeSystem/observation-category|laboratory", out var scope, out _));

        var parameter = Assert.Single(scope.Parameters);
        Assert.Equal(("category", "http://terminology.hl7.org/CodeSystem/observation-category|laboratory"), (parameter.Key, parameter.Value));
    }

    [Theory]
    [InlineData("", "empty")]
    [InlineData("openid", "not a resource scope")]
    [InlineData("doctor/Observation.rs", "context must be patient, user or system")]
    [InlineData("patient/Observation", "expected Resource.permissions")]
    [InlineData("patient/.rs", "expected Resource.permissions")]
    [InlineData("patient/observation.rs", "not a FHIR resource type")]
    [InlineData("patient/Obs-ervation.rs", "not a FHIR resource type")]
    [InlineData("patient/Observation.sr", "in that order")]
    [InlineData("patient/Observation.rr", "in that order")]
    [InlineData("patient/Observation.x", "in that order")]
    [InlineData("patient/Observation.", "in that order")]
    [InlineData("patient/Observation.READ", "in that order")]
    [InlineData("patient/Observation.rs?category", "must be name=value")]
    [InlineData("patient/Observation.rs?=x", "must be name=value")]
    public void TryParse_WhenTheScopeIsMalformed_SaysWhatIsWrong(string text, string expected)
    {
        Assert.False(SmartScope.TryParse(text, out _, out var error));
        Assert.Contains(expected, error);
    }

    [Theory]
    [InlineData("patient/Observation.rs", ScopeContext.Patient, "Observation", R, true)]
    [InlineData("patient/Observation.rs", ScopeContext.Patient, "Observation", R | S, true)]
    [InlineData("patient/Observation.r", ScopeContext.Patient, "Observation", R | S, false)]
    [InlineData("patient/Observation.rs", ScopeContext.User, "Observation", R, false)]
    [InlineData("patient/Observation.rs", ScopeContext.Patient, "Condition", R, false)]
    [InlineData("patient/*.rs", ScopeContext.Patient, "Condition", R, true)]
    [InlineData("user/*.rs", ScopeContext.User, "Condition", C, false)]
    [InlineData("system/DocumentReference.c", ScopeContext.System, "DocumentReference", C, true)]
    [InlineData("system/DocumentReference.c", ScopeContext.System, "DocumentReference", U, false)]
    public void Grants_ChecksContextResourceAndEveryNeededPermission(string text, ScopeContext context, string resource, ScopePermissions needed, bool expected)
    {
        SmartScope.TryParse(text, out var scope, out _);

        Assert.Equal(expected, scope.Grants(context, resource, needed));
    }

    [Theory]
    [InlineData("patient/Observation.rs")]
    [InlineData("user/*.cruds")]
    [InlineData("system/DocumentReference.cud")]
    [InlineData("patient/Observation.rs?category=laboratory")]
    public void ToString_WritesTheV2Form(string text)
    {
        SmartScope.TryParse(text, out var scope, out _);

        Assert.Equal(text, scope.ToString());
    }

    [Fact]
    public void ScopeSet_KeepsNonResourceScopesAndGrantsFromAnyResourceScope()
    {
        Assert.True(ScopeSet.TryParse("openid fhirUser launch/patient patient/Condition.rs patient/Observation.rs offline_access", out var scopes, out var error), error);

        Assert.Equal(["openid", "fhirUser", "launch/patient", "offline_access"], scopes.OtherScopes);
        Assert.True(scopes.Grants(ScopeContext.Patient, "Observation", R | S));
        Assert.False(scopes.Grants(ScopeContext.Patient, "MedicationRequest", R));
    }

    [Theory]
    [InlineData("openid patient/Observation.sr", "in that order")]
    [InlineData("patient/Observation.rs admin", "not a resource scope")]
    public void ScopeSet_WhenAnyScopeIsMalformed_IsAnErrorNamingIt(string claim, string expected)
    {
        Assert.False(ScopeSet.TryParse(claim, out var scopes, out var error));
        Assert.Contains(expected, error);
        Assert.Empty(scopes.ResourceScopes);
    }

    [Fact]
    public void ScopeSet_WhenEmpty_GrantsNothing()
    {
        Assert.True(ScopeSet.TryParse("", out var scopes, out _));
        Assert.False(scopes.Grants(ScopeContext.User, "Patient", R));
    }
}
