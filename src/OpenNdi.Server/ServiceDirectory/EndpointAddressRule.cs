using System.Net;
using System.Net.Sockets;

namespace OpenNdi.Server.ServiceDirectory;

/// <summary>
/// Settings of section <c>Directory:Addresses</c>: which endpoint addresses the directory accepts. Every summary
/// fetch goes to the address registered for a provider, with the patient's local id in it, so an address is a
/// security decision: in production it is https, never userinfo, and never a loopback, link-local or private
/// network address (the cloud metadata service, the host's own admin ports) unless an operator allows it.
/// </summary>
public sealed class EndpointAddressOptions
{
    /// <summary>Only <c>https</c> addresses. On by default; the demo, whose simulated providers answer on plain http at localhost, turns it off.</summary>
    public bool RequireHttps { get; set; } = true;

    /// <summary>Loopback, link-local and private network addresses (by IP literal or <c>localhost</c>). Off by default.</summary>
    public bool AllowPrivateNetworks { get; set; }

    /// <summary>When not empty, the host must be one of these or below one of them (<c>region.example.se</c> allows <c>ehr.region.example.se</c>).</summary>
    public List<string> AllowedHosts { get; set; } = [];
}

/// <summary>Applies <see cref="EndpointAddressOptions"/> to an endpoint address: null when acceptable, otherwise why not.</summary>
public sealed class EndpointAddressRule(EndpointAddressOptions options)
{
    public string? Check(Uri address)
    {
        if (!address.IsAbsoluteUri)
            return "address must be an absolute URL";
        if (address.Scheme != Uri.UriSchemeHttps && (options.RequireHttps || address.Scheme != Uri.UriSchemeHttp))
            return options.RequireHttps ? "address must be an https URL" : "address must be an http or https URL";
        if (address.UserInfo.Length > 0)
            return "address must not carry a user name or password";
        if (address.Fragment.Length > 0 || address.Query.Length > 0)
            return "address must be a FHIR base URL, without query or fragment";
        var host = address.IdnHost;
        if (!options.AllowPrivateNetworks && IsPrivate(host))
            return $"address host {host} is a loopback, link-local or private network address, which the directory does not accept";
        if (options.AllowedHosts.Count > 0 && !options.AllowedHosts.Any(allowed => Matches(host, allowed)))
            return $"address host {host} is not among the hosts the directory accepts (Directory:Addresses:AllowedHosts)";
        return null;
    }

    private static bool Matches(string host, string allowed) =>
        string.Equals(host, allowed, StringComparison.OrdinalIgnoreCase) || host.EndsWith("." + allowed.TrimStart('.'), StringComparison.OrdinalIgnoreCase);

    private static bool IsPrivate(string host)
    {
        if (string.Equals(host, "localhost", StringComparison.OrdinalIgnoreCase) || host.EndsWith(".localhost", StringComparison.OrdinalIgnoreCase))
            return true;
        if (!IPAddress.TryParse(host.Trim('[', ']'), out var ip))
            return false;
        if (ip.IsIPv4MappedToIPv6)
            ip = ip.MapToIPv4();
        if (IPAddress.IsLoopback(ip) || ip.Equals(IPAddress.Any) || ip.Equals(IPAddress.IPv6Any))
            return true;
        if (ip.AddressFamily == AddressFamily.InterNetworkV6)
            return ip.IsIPv6LinkLocal || ip.IsIPv6SiteLocal || ip.IsIPv6UniqueLocal;
        var b = ip.GetAddressBytes();
        return b[0] == 10 || b[0] == 127 || b[0] == 0
            || (b[0] == 172 && b[1] is >= 16 and <= 31)
            || (b[0] == 192 && b[1] == 168)
            || (b[0] == 169 && b[1] == 254)
            || (b[0] == 100 && b[1] is >= 64 and <= 127); // carrier-grade NAT
    }
}
