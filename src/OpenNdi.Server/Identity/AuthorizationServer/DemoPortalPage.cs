namespace OpenNdi.Server.Identity.AuthorizationServer;

/// <summary>
/// <c>/demo</c>: a SMART app in one page, to try the login (the page and its script are the web front end's,
/// <c>OpenNdi.Web/Components/Demo/DemoPortal.razor</c> and <c>wwwroot/demo.js</c>). It runs the authorization code flow
/// with PKCE in the browser, as a public client would, then shows the token's claims and a ready <c>curl</c> line.
/// </summary>
internal static class DemoPortalPage
{
    /// <summary>The demo page as a public client (authorization code with PKCE), registered when the demo login runs.</summary>
    public static readonly BuiltInApp App = new("openndi-demo-portal", "OpenNdi demo portal", OpenNdi.Web.Components.Demo.DemoPortal.Scopes, "/demo/callback");

    public static IResult Show() => OpenNdi.Web.DemoPages.Portal();
}
