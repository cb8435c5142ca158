using System.Net;
using System.Net.Sockets;

namespace OpenNdi.Server.Platform;

/// <summary>
/// Connections whose host names are resolved off the thread pool. On Linux a name lookup (getaddrinfo) blocks its
/// thread for as long as the resolver takes — seconds for a name that does not resolve — and .NET runs it on a
/// thread-pool thread: the endpoint health checker probing a few hundred registered addresses could hold the pool
/// threads that serve requests (17 % of thread samples in one lookup profile, docs/benchmarks.md). Here each lookup runs
/// on a thread of its own, at most <see cref="MaxConcurrentLookups"/> at once per process, and a caller that gives up
/// (its deadline) stops waiting at once while the lookup finishes on its own thread. Used as the
/// <see cref="SocketsHttpHandler.ConnectCallback"/> of clients that call addresses the directory holds.
/// </summary>
internal static class OffPoolNameResolution
{
    public const int MaxConcurrentLookups = 2;

    private static readonly SemaphoreSlim Lookups = new(MaxConcurrentLookups, MaxConcurrentLookups);

    /// <summary>A handler that resolves names off the thread pool and otherwise connects as the default one does.</summary>
    public static SocketsHttpHandler Handler() => new() { ConnectCallback = ConnectAsync };

    public static async ValueTask<Stream> ConnectAsync(SocketsHttpConnectionContext context, CancellationToken cancellationToken)
    {
        var endpoint = context.DnsEndPoint;
        var addresses = await ResolveAsync(endpoint.Host, cancellationToken);
        var socket = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        try
        {
            await socket.ConnectAsync(addresses, endpoint.Port, cancellationToken);
            return new NetworkStream(socket, ownsSocket: true);
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }

    /// <summary>The host's addresses: an address literal as it is, a name looked up on a dedicated thread.</summary>
    public static async Task<IPAddress[]> ResolveAsync(string host, CancellationToken cancellationToken)
    {
        if (IPAddress.TryParse(host, out var literal))
            return [literal];
        await Lookups.WaitAsync(cancellationToken);
        var lookup = Task.Factory.StartNew(() =>
        {
            try
            {
                return Dns.GetHostAddresses(host);
            }
            finally
            {
                Lookups.Release(); // when the lookup ends, not when its caller stops waiting: never more than the limit blocked
            }
        }, CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default);
        return await lookup.WaitAsync(cancellationToken);
    }
}
