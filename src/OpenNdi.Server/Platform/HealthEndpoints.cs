using System.Text.Json;
using Microsoft.AspNetCore.Diagnostics.HealthChecks;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using OpenNdi.Data;
using OpenNdi.Server.Audit;

namespace OpenNdi.Server.Platform;

/// <summary>
/// <c>/health</c>: readiness, every check with its status and time (200 when healthy, 503 otherwise);
/// <c>/health/live</c>: the process answers at all (for restarts by an orchestrator).
/// </summary>
internal static class HealthEndpoints
{
    public static void MapHealthEndpoints(this WebApplication app)
    {
        app.MapHealthChecks("/health", new HealthCheckOptions { ResponseWriter = WriteAsync }).Public("readiness for load balancers, no personal data");
        app.MapHealthChecks("/health/live", new HealthCheckOptions { Predicate = _ => false, ResponseWriter = WriteAsync }).Public("liveness for load balancers, no personal data");
    }

    private static Task WriteAsync(HttpContext context, HealthReport report)
    {
        context.Response.ContentType = "application/json; charset=utf-8";
        return JsonSerializer.SerializeAsync(context.Response.Body, new
        {
            status = report.Status.ToString(),
            durationMs = report.TotalDuration.TotalMilliseconds,
            checks = report.Entries.ToDictionary(e => e.Key, e => new
            {
                status = e.Value.Status.ToString(),
                description = e.Value.Description,
                durationMs = e.Value.Duration.TotalMilliseconds,
                data = e.Value.Data,
            }),
        }, JsonSerializerOptions.Web);
    }
}

/// <summary>The database answers a trivial query.</summary>
internal sealed class DatabaseHealthCheck(NdiDatabase database) : IHealthCheck
{
    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        try
        {
            await using var connection = await database.OpenConnectionAsync(cancellationToken);
            await using var command = connection.CreateCommand();
            command.CommandText = "SELECT 1";
            await command.ExecuteScalarAsync(cancellationToken);
            return HealthCheckResult.Healthy(database.Backend.ToString());
        }
        catch (Exception ex)
        {
            return HealthCheckResult.Unhealthy($"{database.Backend} unreachable: {ex.Message}");
        }
    }
}
