using System.Net;
using System.Security.Claims;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using OpenNdi.Server.Identity;

namespace OpenNdi.Server.Tests;

/// <summary>
/// Validated tokens are kept by hash until they expire (issue 16): a token is served from the cache only when every
/// byte is the same and its expiry has not passed on the server's clock; what a request does to its principal never
/// reaches another request.
/// </summary>
[Trait("Category", "Security")]
public sealed class ValidatedTokenCacheTests
{
    private static readonly DateTimeOffset Now = new(2026, 12, 7, 12, 0, 0, TimeSpan.Zero);

    private static ClaimsPrincipal Principal(string subject) =>
        new(new ClaimsIdentity([new Claim("sub", subject), new Claim("scope", "user/DocumentReference.rs")], "Bearer"));

    [Fact]
    public void AKeptToken_IsServedUntilItExpires_ThenNotAgain()
    {
        var clock = new FakeTimeProvider(Now);
        var cache = new ValidatedTokenCache(clock);
        cache.Add("header.payload.signature", Principal("hsa-1"), Now.AddMinutes(5));

        Assert.True(cache.TryGet("header.payload.signature", out var principal));
        Assert.Equal("hsa-1", principal.FindFirst("sub")?.Value);
        clock.Advance(TimeSpan.FromMinutes(5) - TimeSpan.FromTicks(1));
        Assert.True(cache.TryGet("header.payload.signature", out _));
        clock.Advance(TimeSpan.FromTicks(1));
        Assert.False(cache.TryGet("header.payload.signature", out _));
        Assert.Equal(0, cache.Count); // found expired, it is gone
    }

    [Fact]
    public void ATokenDifferingInOneCharacter_IsNotServed()
    {
        var cache = new ValidatedTokenCache(new FakeTimeProvider(Now));
        cache.Add("header.payload.signature", Principal("hsa-1"), Now.AddMinutes(5));

        Assert.False(cache.TryGet("header.payload.signaturE", out _));
        Assert.False(cache.TryGet("header.payload.signature ", out _));
        Assert.False(cache.TryGet("header.payload", out _));
    }

    [Fact]
    public void ATokenAlreadyExpired_IsNotKept()
    {
        var cache = new ValidatedTokenCache(new FakeTimeProvider(Now));
        cache.Add("old.token.here", Principal("hsa-1"), Now);

        Assert.Equal(0, cache.Count);
        Assert.False(cache.TryGet("old.token.here", out _));
    }

    [Fact]
    public void EachRequest_GetsItsOwnCopyOfThePrincipal()
    {
        var cache = new ValidatedTokenCache(new FakeTimeProvider(Now));
        var validated = Principal("hsa-1");
        cache.Add("a.b.c", validated, Now.AddMinutes(5));
        ((ClaimsIdentity)validated.Identity!).AddClaim(new Claim("added-after", "by the validating request"));

        Assert.True(cache.TryGet("a.b.c", out var first));
        ((ClaimsIdentity)first.Identity!).AddClaim(new Claim("role", "added by one request"));
        Assert.True(cache.TryGet("a.b.c", out var second));

        Assert.Null(second.FindFirst("role"));
        Assert.Null(second.FindFirst("added-after"));
        Assert.Equal("hsa-1", second.FindFirst("sub")?.Value);
    }

    [Fact]
    public void WhenFull_ExpiredTokensGoFirst_AndTheCacheNeverGrowsPastItsCapacity()
    {
        var clock = new FakeTimeProvider(Now);
        var cache = new ValidatedTokenCache(clock);
        for (var i = 0; i < ValidatedTokenCache.Capacity; i++)
            cache.Add($"short.{i}.lived", Principal("hsa-1"), Now.AddMinutes(1));
        cache.Add("long.lived.token", Principal("hsa-2"), Now.AddMinutes(30));
        clock.Advance(TimeSpan.FromMinutes(2));

        cache.Add("new.token.after", Principal("hsa-3"), Now.AddMinutes(30));

        Assert.Equal(2, cache.Count);
        Assert.True(cache.TryGet("long.lived.token", out _));
        Assert.True(cache.TryGet("new.token.after", out _));
    }

    [Theory]
    [InlineData("Bearer abc.def.ghi", "abc.def.ghi")]
    [InlineData("bearer abc.def.ghi", "abc.def.ghi")]
    [InlineData("Bearer  abc.def.ghi ", "abc.def.ghi")]
    [InlineData("Basic dXNlcjpwYXNz", null)]
    [InlineData("Bearer ", null)]
    [InlineData("Bearerabc", null)]
    public void BearerToken_IsReadAsTheHandlerReadsIt(string header, string? expected)
    {
        var context = new DefaultHttpContext();
        context.Request.Headers.Authorization = header;

        Assert.Equal(expected, ValidatedTokenCache.BearerToken(context.Request));
    }

    [Fact]
    public void TwoAuthorizationHeaders_AreNeverServedFromTheCache()
    {
        var context = new DefaultHttpContext();
        context.Request.Headers.Authorization = new Microsoft.Extensions.Primitives.StringValues(["Bearer abc.def.ghi", "Bearer abc.def.ghi"]);

        Assert.Null(ValidatedTokenCache.BearerToken(context.Request));
    }
}

/// <summary>
/// Through the API: a token is validated once and then served from the cache; a forgery naming the same issuer, an
/// expired token and a token of the wrong audience are refused and never kept. (The token handler checks lifetimes
/// on the system clock, so expiry through the API is the handler's; the cache's own expiry is tested above on a fake clock.)
/// </summary>
[Trait("Category", "Security")]
public sealed class ValidatedTokenCacheApiTests : IDisposable
{
    private const string Lookup = "/fhir/DocumentReference?patient.identifier=urn:oid:1.2.752.129.2.1.3.1|191212121212";
    private readonly TestIssuer _national = new("https://idp.national.example");
    private readonly TestIssuer _stranger = new("https://idp.stranger.example");

    public void Dispose()
    {
        _national.Dispose();
        _stranger.Dispose();
    }

    [Fact]
    public async Task AValidToken_IsKeptOnce_AndNothingRefusedIsEverKept()
    {
        await using var server = await NdiServer.StartTrustingAsync("sqlite", _national);
        var cache = server.Services.GetRequiredService<ValidatedTokenCache>();
        var token = _national.Token("user/DocumentReference.rs", claims: IndexApiTests.ClinicianClaims);
        var forged = _stranger.Token("user/DocumentReference.rs", claimedIssuer: _national.Issuer, claims: IndexApiTests.ClinicianClaims);
        var expired = _national.Token("user/DocumentReference.rs", lifetime: TimeSpan.FromMinutes(5), issuedAt: DateTime.UtcNow.AddHours(-1), claims: IndexApiTests.ClinicianClaims);
        var otherAudience = _national.Token("user/DocumentReference.rs", audience: "some-other-api", claims: IndexApiTests.ClinicianClaims);

        using var first = await server.SendAsync(HttpMethod.Get, Lookup, token, headers: IndexApiTests.CareRelationship);
        using var again = await server.SendAsync(HttpMethod.Get, Lookup, token, headers: IndexApiTests.CareRelationship);
        var kept = cache.Count;
        foreach (var refused in new[] { forged, expired, otherAudience, token + "x" })
        {
            using var response = await server.SendAsync(HttpMethod.Get, Lookup, refused, headers: IndexApiTests.CareRelationship);
            Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        }

        Assert.Equal(HttpStatusCode.OK, first.StatusCode);
        Assert.Equal(HttpStatusCode.OK, again.StatusCode);
        Assert.Equal(await first.Content.ReadAsStringAsync(), await again.Content.ReadAsStringAsync());
        Assert.Equal(1, kept);
        Assert.Equal(1, cache.Count);
    }
}
