using Microsoft.AspNetCore.Http;
using OpenNdi.ContactPoint.Domain;

namespace OpenNdi.ContactPoint.Edge;

/// <summary>The professional abroad a request speaks for, as the contact point's authentication left it in the request's features.</summary>
public static class NcpCaller
{
    public static ForeignProfessional Of(HttpContext http) =>
        http.Features.Get<ForeignProfessional>() ?? throw new InvalidOperationException("A contact point route ran without the peer's authentication: its declaration requires it.");
}
