using Microsoft.AspNetCore.Http;
using OpenNdi.Core.Policy;

namespace OpenNdi.SecondaryUse.Ports;

/// <summary>Who is calling, as the host's one enforcement point resolved them from the token (null on a public route).</summary>
public interface ISecondaryUseCallers
{
    Actor? Of(HttpContext http);
}
