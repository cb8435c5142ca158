using OpenNdi.Server.Audit;
using OpenNdi.Server.Consent;
using OpenNdi.Server.Demo;
using OpenNdi.Server.FhirApi;
using OpenNdi.Server.Identity;
using OpenNdi.Server.Identity.AuthorizationServer;
using OpenNdi.Server.PatientIndex;
using OpenNdi.Server.Platform;
using OpenNdi.Server.Portal;
using OpenNdi.Server.ProfessionalAccess;
using OpenNdi.Server.ServiceDirectory;
using OpenNdi.Synthetic.Simulator;

// OpenNdi: the national digital infrastructure for health data, every national service in one host.
// Each service is one Add…/Map… pair; configuration and cross-cutting concerns live in Platform/.
var builder = WebApplication.CreateBuilder(args);

builder.AddPlatform();
builder.Services.AddNdiAuthentication(builder.Configuration);
builder.Services.AddFhirApi();
builder.Services.AddAuditLog(builder.Configuration);
builder.Services.AddPatientIndex(builder.Configuration);
builder.Services.AddServiceDirectory(builder.Configuration);
builder.Services.AddConsentManagement();
builder.Services.AddProfessionalAccess(builder.Configuration);
builder.Services.AddClinicianPortal();
builder.Services.AddSimulator();
builder.Services.AddDemoPopulation(builder.Configuration);

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
app.MapProfessionalAccess();
app.MapClinicianPortal();
app.MapSimulatedProviders();

app.Run();

/// <summary>The entry point, visible to WebApplicationFactory in tests.</summary>
public partial class Program;
