using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Http;
using Microsoft.Extensions.Options;

namespace OpenNdi.Server.Tests;

/// <summary>
/// Sends the simulated EHRs' token validation (OpenIddict's HttpClients, which fetch the issuer's discovery document
/// and JWKS) to the in-memory test server instead of the network. OpenIddict insists on its own primary handler, so a
/// last handler in its chain forwards every request to the test server and never reaches it. A listening server
/// (browser tests) is left to the network.
/// </summary>
internal sealed class OpenIddictToTestServer : IPostConfigureOptions<HttpClientFactoryOptions>
{
    public void PostConfigure(string? name, HttpClientFactoryOptions options)
    {
        if (name is null || !name.StartsWith("OpenIddict.", StringComparison.Ordinal))
            return;
        options.HttpMessageHandlerBuilderActions.Add(builder =>
        {
            if (builder.Services.GetRequiredService<IServer>() is TestServer test)
                builder.AdditionalHandlers.Add(new ForwardToTestServer(test.CreateHandler()));
        });
    }

    private sealed class ForwardToTestServer(HttpMessageHandler testServer) : DelegatingHandler
    {
        private readonly HttpMessageInvoker _invoker = new(testServer);

        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken) =>
            _invoker.SendAsync(request, cancellationToken);

        protected override void Dispose(bool disposing)
        {
            if (disposing)
                _invoker.Dispose();
            base.Dispose(disposing);
        }
    }
}
