using OpenNdi.Server.Audit;
using OpenNdi.Server.Consent;
using OpenNdi.Server.CrossBorder;
using OpenNdi.Server.PatientData;
using OpenNdi.Server.Demo;
using OpenNdi.Server.FhirApi;
using OpenNdi.Server.Identity;
using OpenNdi.Server.Identity.AuthorizationServer;
using OpenNdi.Server.PatientIndex;
using OpenNdi.Server.Platform;
using OpenNdi.Server.Portal;
using OpenNdi.Server.ProfessionalAccess;
using OpenNdi.Server.SecondaryUse;
using OpenNdi.Server.ServiceDirectory;

// OpenNdi: the national digital infrastructure for health data, every national service in one host.
// Each service is one Add…/Map… pair; configuration and cross-cutting concerns live in Platform/.
// The demo's parts (population, simulated providers, passwordless login) run only where section Modules switches them on.
var builder = WebApplication.CreateBuilder(args);

var modules = builder.AddHostedModules();
builder.AddPublicAddress();
builder.AddPlatform();
builder.Services.AddNdiAuthentication(builder.Configuration);
builder.Services.AddFhirApi();
builder.Services.AddAuditLog(builder.Configuration);
builder.Services.AddPatientIndex(builder.Configuration);
builder.Services.AddServiceDirectory(builder.Configuration);
builder.Services.AddConsentManagement();
builder.Services.AddPatientData();
builder.Services.AddProfessionalAccess(builder.Configuration);
builder.Services.AddWebFrontEnd();
builder.AddContactPoint(modules);
builder.AddSecondaryUse(modules);
if (modules.DemoPopulation)
    builder.Services.AddDemoPopulation(builder.Configuration);
if (modules.Simulator)
    builder.Services.AddSimulatedProviders(builder.Configuration);
if (modules.DemoLogin)
    builder.Services.AddDemoLogin();

var app = builder.Build();

app.UsePlatform();
app.UseAuthentication();
app.UseAuthorization();
app.MapPlatform();
app.MapAuthorizationServer();
app.MapFhirApi();
app.MapAuditLog();
app.MapPatientIndex();
app.MapServiceDirectory();
app.MapConsentManagement();
app.MapPatientData();
app.MapProfessionalAccess();
app.MapWebFrontEnd();
app.MapContactPoint();
app.MapSecondaryUse();
if (modules.Simulator)
    app.MapSimulatedProviders();
if (modules.DemoLogin)
    app.MapDemoLogin();

app.Run();

/// <summary>The entry point, visible to WebApplicationFactory in tests.</summary>
public partial class Program;
