namespace OpenNdi.Server.Platform;

/// <summary>The one address clients reach this host at: the issuer of its tokens and the base of the simulated providers' directory addresses.</summary>
public sealed record PublicBaseUrl(Uri Value)
{
    /// <summary>The address with a path appended, e.g. <c>/sim/region-1/fhir</c>.</summary>
    public Uri Append(string path) => new($"{Value.AbsoluteUri.TrimEnd('/')}{path}");
}

/// <summary>
/// Setting <c>PublicBaseUrl</c> is the source of the three addresses that must agree: where the server listens
/// (when <c>Urls</c> / <c>ASPNETCORE_URLS</c> does not say), the embedded authorization server's issuer (when
/// <c>Identity:Server:Issuer</c> does not say), and the simulated providers' endpoints in the directory. Left unset,
/// it follows the first listening address (a wildcard host read as localhost), and without one it is
/// http://localhost:5080. Behind a proxy set both: <c>Urls</c> where the process listens, <c>PublicBaseUrl</c> the outside address.
/// </summary>
internal static class PublicAddress
{
    public const string Setting = "PublicBaseUrl";

    public static readonly Uri Default = new("http://localhost:5080");

    public static PublicBaseUrl AddPublicAddress(this WebApplicationBuilder builder)
    {
        var configuration = builder.Configuration;
        var urls = configuration["urls"];
        var publicBase = Resolve(configuration[Setting], urls);
        if (string.IsNullOrWhiteSpace(urls))
            builder.WebHost.UseUrls(publicBase.GetLeftPart(UriPartial.Authority));
        if (string.IsNullOrWhiteSpace(configuration["Identity:Server:Issuer"]))
            configuration["Identity:Server:Issuer"] = publicBase.AbsoluteUri.TrimEnd('/');
        var address = new PublicBaseUrl(publicBase);
        builder.Services.AddSingleton(address);
        return address;
    }

    /// <summary>The public base URL from the setting, else from the first listening address, else the default; throws when the setting is not an http(s) URL.</summary>
    public static Uri Resolve(string? setting, string? urls)
    {
        if (!string.IsNullOrWhiteSpace(setting))
        {
            if (!Uri.TryCreate(setting, UriKind.Absolute, out var configured) || configured.Scheme is not ("http" or "https"))
                throw new InvalidOperationException($"{Setting} '{setting}' must be an absolute http or https URL, such as https://ndi.example.se");
            return configured;
        }
        var first = urls?.Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).FirstOrDefault();
        if (first is null)
            return Default;
        // A wildcard host (http://+:8080, http://*:8080, http://0.0.0.0:8080, http://[::]:8080) listens everywhere; clients on this host use localhost.
        var normalised = System.Text.RegularExpressions.Regex.Replace(first, @"^(https?://)(\+|\*|0\.0\.0\.0|\[::\])(?=[:/]|$)", "$1localhost");
        return Uri.TryCreate(normalised, UriKind.Absolute, out var listening)
            ? listening
            : throw new InvalidOperationException($"Urls '{urls}' does not start with an absolute URL");
    }
}
