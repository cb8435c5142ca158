using OpenNdi.ContactPoint.Domain;
using System.Diagnostics.CodeAnalysis;

namespace OpenNdi.ContactPoint.Trust;

/// <summary>What a trust check decided: the trusted value, or the refusal to answer and audit (house rule 5: an expected outcome, not an exception).</summary>
public sealed class TrustDecision<T>
    where T : class
{
    private TrustDecision(T? value, NcpRefusal? refusal)
    {
        Value = value;
        Refusal = refusal;
    }

    public T? Value { get; }

    public NcpRefusal? Refusal { get; }

    [MemberNotNullWhen(true, nameof(Value))]
    [MemberNotNullWhen(false, nameof(Refusal))]
    public bool IsTrusted => Value is not null;

    public static TrustDecision<T> Trusted(T value) => new(value, null);

    public static TrustDecision<T> Refused(NcpRefusal refusal) => new(null, refusal);
}

/// <summary>The NDI-NCP codes of peer and assertion trust (ADR 0010 §6; listed in docs/errors.md).</summary>
public static class NcpTrustCodes
{
    /// <summary>403: the TLS client certificate is not a registered, valid contact point certificate.</summary>
    public const string PeerNotTrusted = "NDI-NCP-001";

    /// <summary>401: the assertion is missing, malformed, not validly signed by a trusted certificate, or its issuer, audience or lifetime is wrong.</summary>
    public const string AssertionInvalid = "NDI-NCP-002";

    /// <summary>403: the assertion is signed by a registered certificate of another contact point than the TLS connection's.</summary>
    public const string AssertionOfAnotherPeer = "NDI-NCP-005";

    /// <summary>502: a peer we call presented a server certificate that is not its registered one (Sweden as country B).</summary>
    public const string PeerServerUntrusted = "NDI-NCP-034";
}
