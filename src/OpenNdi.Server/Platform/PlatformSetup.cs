using Microsoft.Extensions.Diagnostics.HealthChecks;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;
using OpenTelemetry.Trace;
using OpenNdi.Server.Audit;

namespace OpenNdi.Server.Platform;

/// <summary>What every national service shares: storage, structured logs, telemetry, errors, health and OpenAPI.</summary>
internal static class PlatformSetup
{
    public const string ServiceName = "OpenNdi";

    public static WebApplicationBuilder AddPlatform(this WebApplicationBuilder builder)
    {
        builder.Services.AddStorage(builder.Configuration);
        builder.Services.AddChangeNotifications();
        builder.Services.AddProblemDetails();
        builder.Services.AddExceptionHandler<ErrorHandler>();
        builder.Services.AddOpenApi();
        builder.Services.AddHealthChecks().AddCheck<DatabaseHealthCheck>("database", HealthStatus.Unhealthy, ["ready"]);

        // Traces and metrics are always collected; they leave the process only when an OTLP endpoint is configured
        // (OTEL_EXPORTER_OTLP_ENDPOINT), so a laptop run needs no collector.
        var otlp = !string.IsNullOrEmpty(builder.Configuration["OTEL_EXPORTER_OTLP_ENDPOINT"]);
        builder.Services.AddOpenTelemetry()
            .ConfigureResource(resource => resource.AddService(ServiceName))
            .WithTracing(tracing =>
            {
                tracing.AddSource("OpenNdi.*").AddAspNetCoreInstrumentation().AddHttpClientInstrumentation();
                if (otlp)
                    tracing.AddOtlpExporter();
            })
            .WithMetrics(metrics =>
            {
                metrics.AddMeter("OpenNdi.*").AddAspNetCoreInstrumentation().AddHttpClientInstrumentation().AddRuntimeInstrumentation();
                if (otlp)
                    metrics.AddOtlpExporter();
            });
        return builder;
    }

    public static WebApplication UsePlatform(this WebApplication app)
    {
        app.UseMiddleware<SecurityHeaders>();
        app.UseExceptionHandler();
        app.UseStatusCodePages();
        return app;
    }

    public static WebApplication MapPlatform(this WebApplication app)
    {
        app.MapOpenApi().Public("the API description");
        app.MapHealthEndpoints();
        app.MapGet("/", () => Results.Redirect("/fhir/metadata")).ExcludeFromDescription().Public("a redirect to the CapabilityStatement");
        return app;
    }
}
