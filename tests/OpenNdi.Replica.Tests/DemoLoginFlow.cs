using System.Net;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;

namespace OpenNdi.Replica.Tests;

/// <summary>
/// The demo login as the demo page runs it (SMART authorization code with PKCE S256, client
/// <c>openndi-demo-portal</c>): the login page and form on one node, the code's redemption on the same or another.
/// </summary>
public static class DemoLoginFlow
{
    public const string Client = "openndi-demo-portal";

    /// <summary>What a clinician needs for lookups and summaries.</summary>
    public const string ClinicianScope = "openid fhirUser user/*.rs";

    /// <summary>A code from node <paramref name="login"/> for <paramref name="user"/>, with the verifier that redeems it.</summary>
    public static async Task<(string Code, string Verifier)> LogInAsync(HttpClient login, Uri publicBase, string user, string scope = ClinicianScope)
    {
        var verifier = Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)).TrimEnd('=').Replace('+', '-').Replace('/', '_');
        var challenge = Convert.ToBase64String(SHA256.HashData(Encoding.ASCII.GetBytes(verifier))).TrimEnd('=').Replace('+', '-').Replace('/', '_');
        var parameters = new Dictionary<string, string>
        {
            ["response_type"] = "code", ["client_id"] = Client, ["redirect_uri"] = Callback(publicBase), ["scope"] = scope,
            ["state"] = "replica", ["code_challenge"] = challenge, ["code_challenge_method"] = "S256",
        };
        using (var page = await login.GetAsync("/oauth/authorize?" + string.Join('&', parameters.Select(p => $"{p.Key}={Uri.EscapeDataString(p.Value)}"))))
        {
            Assert.Equal(HttpStatusCode.OK, page.StatusCode);
            Assert.Contains($"value=\"{user}\"", await page.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        }
        parameters["user"] = user;
        parameters["purpose_of_use"] = "TREAT";
        using var chosen = await login.PostAsync("/oauth/authorize", new FormUrlEncodedContent(parameters));
        Assert.Equal(HttpStatusCode.Redirect, chosen.StatusCode);
        var location = chosen.Headers.Location!;
        Assert.StartsWith(Callback(publicBase), location.AbsoluteUri, StringComparison.Ordinal);
        var code = Microsoft.AspNetCore.WebUtilities.QueryHelpers.ParseQuery(location.Query)["code"].ToString();
        Assert.NotEmpty(code);
        return (code, verifier);
    }

    /// <summary>Redeems a code at node <paramref name="token"/>; the status and the JSON answer.</summary>
    public static async Task<(HttpStatusCode Status, JsonElement Body)> RedeemAsync(HttpClient token, Uri publicBase, string code, string verifier)
    {
        using var response = await token.PostAsync("/oauth/token", new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["grant_type"] = "authorization_code", ["code"] = code, ["redirect_uri"] = Callback(publicBase), ["client_id"] = Client, ["code_verifier"] = verifier,
        }));
        return (response.StatusCode, JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.Clone());
    }

    /// <summary>Logs in and redeems on the same node; the access token.</summary>
    public static async Task<string> TokenAsync(HttpClient node, Uri publicBase, string user)
    {
        var (code, verifier) = await LogInAsync(node, publicBase, user);
        var (status, body) = await RedeemAsync(node, publicBase, code, verifier);
        Assert.True(status == HttpStatusCode.OK, $"token request: {(int)status} {body}");
        return body.GetProperty("access_token").GetString()!;
    }

    private static string Callback(Uri publicBase) => $"{publicBase.AbsoluteUri.TrimEnd('/')}/demo/callback";
}
