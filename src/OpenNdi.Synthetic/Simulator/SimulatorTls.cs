using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.AspNetCore.Server.Kestrel.Https;

namespace OpenNdi.Synthetic.Simulator;

/// <summary>
/// Mutual TLS for a simulated EHR served over HTTPS (issue 14): Kestrel presents the demo server certificate and
/// completes no handshake without a client certificate issued by the demo CA for client authentication, so a caller
/// that is not the access service never reaches the token check (RFC 8446 §4.3.2, certificate request; RFC 8705 §2
/// uses the same handshake for PKI client authentication). Plain HTTP listeners are left as they are.
/// </summary>
public static class SimulatorTls
{
    public static KestrelServerOptions UseDemoMutualTls(this KestrelServerOptions kestrel, DemoCertificates certificates)
    {
        kestrel.ConfigureHttpsDefaults(https =>
        {
            https.ServerCertificate = certificates.Simulator;
            https.ClientCertificateMode = ClientCertificateMode.RequireCertificate;
            https.CheckCertificateRevocation = false; // the demo CA publishes no revocation list
            // Kestrel's own check would trust the machine's roots; only the demo CA vouches for the access service.
            https.ClientCertificateValidation = (certificate, _, _) =>
                DemoCertificates.IsIssuedBy(certificate, certificates.Authority, DemoCertificates.ClientAuthentication);
        });
        return kestrel;
    }
}
