using System.Net;

namespace OpenNdi.Replica.Tests;

/// <summary>
/// The client side of failover: a request that fails to connect, or that the proxy answers 502 or 503 (its node died
/// under it, or none was available), is sent once more. Only for requests without a body (the GETs of these tests),
/// which can be sent again as they are. <see cref="Retries"/> counts the second tries.
/// </summary>
public sealed class RetryOnceHandler() : DelegatingHandler(new SocketsHttpHandler { UseProxy = false, PooledConnectionLifetime = TimeSpan.FromMinutes(5) })
{
    private int _retries;

    public int Retries => Volatile.Read(ref _retries);

    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        if (request.Content is not null)
            return await base.SendAsync(request, cancellationToken);
        try
        {
            var response = await base.SendAsync(request, cancellationToken);
            if (response.StatusCode is not (HttpStatusCode.BadGateway or HttpStatusCode.ServiceUnavailable))
                return response;
            response.Dispose();
        }
        catch (HttpRequestException)
        {
            // the connection failed: try once more
        }
        Interlocked.Increment(ref _retries);
        return await base.SendAsync(request, cancellationToken);
    }
}
