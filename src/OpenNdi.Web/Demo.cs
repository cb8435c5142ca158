namespace OpenNdi.Web;

/// <summary>A synthetic person on the demo login page: the id the form posts, the name and a line about them.</summary>
public sealed record DemoPerson(string Id, string Name, string Description);

/// <summary>The people of one kind on the demo login page: <c>professional</c>, <c>patient</c> or <c>operator</c>.</summary>
public sealed record DemoGroup(string Kind, IReadOnlyList<DemoPerson> People);

/// <summary>
/// The demo's pages (module DemoLogin, never in production), rendered from this project's components by the host's
/// demo endpoints, which alone map them: the login page of the embedded authorization server
/// (<see cref="Components.Demo.DemoLoginPage"/>), the one-page SMART app at <c>/demo</c>
/// (<see cref="Components.Demo.DemoPortal"/>) and the simulated EHR at <c>/ehr</c>
/// (<see cref="Components.Demo.SimulatedEhrPage"/>).
/// </summary>
public static class DemoPages
{
    /// <summary>The demo login form: who asks, for what, the authorization request's parameters to post back, and the people.</summary>
    public static Microsoft.AspNetCore.Http.IResult Login(string clientName, string? scope, IReadOnlyList<KeyValuePair<string, string>> request, IReadOnlyList<DemoGroup> groups) =>
        new Microsoft.AspNetCore.Http.HttpResults.RazorComponentResult<Components.Demo.DemoLoginPage>(new { ClientName = clientName, Scope = scope, Request = request, Groups = groups });

    /// <summary>The login could not go on: the problem, in a page.</summary>
    public static Microsoft.AspNetCore.Http.IResult LoginProblem(int status, string problem) =>
        new Microsoft.AspNetCore.Http.HttpResults.RazorComponentResult<Components.Demo.DemoLoginPage>(new { Problem = problem }) { StatusCode = status };

    public static Microsoft.AspNetCore.Http.IResult Portal() => new Microsoft.AspNetCore.Http.HttpResults.RazorComponentResult<Components.Demo.DemoPortal>();

    /// <summary>The simulated EHR: its logged-in clinicians, the patients it can open, and a problem to show, if any.</summary>
    public static Microsoft.AspNetCore.Http.IResult Ehr(IReadOnlyList<DemoPerson> clinicians, IReadOnlyList<DemoPerson> patients, string? problem = null, int status = 200) =>
        new Microsoft.AspNetCore.Http.HttpResults.RazorComponentResult<Components.Demo.SimulatedEhrPage>(new { Clinicians = clinicians, Patients = patients, Problem = problem }) { StatusCode = status };
}
