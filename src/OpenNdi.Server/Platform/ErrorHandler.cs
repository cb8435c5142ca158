using Hl7.Fhir.Model;
using Microsoft.AspNetCore.Diagnostics;
using OpenNdi.Fhir;

namespace OpenNdi.Server.Platform;

/// <summary>
/// The one place unexpected exceptions become answers: a FHIR OperationOutcome on FHIR paths, RFC 9457 problem
/// details elsewhere. The exception is logged with the request's trace id, which the answer carries so an
/// operator can find it; the exception text itself is not sent to the caller.
/// </summary>
internal sealed class ErrorHandler(IProblemDetailsService problemDetails, ILogger<ErrorHandler> logger) : IExceptionHandler
{
    public async ValueTask<bool> TryHandleAsync(HttpContext httpContext, Exception exception, CancellationToken cancellationToken)
    {
        if (exception is OperationCanceledException && httpContext.RequestAborted.IsCancellationRequested)
            return true; // The caller went away; there is no one to answer.
        var traceId = System.Diagnostics.Activity.Current?.TraceId.ToString() ?? httpContext.TraceIdentifier;
        if (exception is OpenNdi.Data.Audit.AuditWriteException)
        {
            // An access that cannot be logged is not given: the answer waits for the audit record, so nothing was sent.
            logger.LogError(exception, "Audit log unavailable on {Method} {Path} (trace {TraceId}); the request was refused", httpContext.Request.Method, httpContext.Request.Path, traceId);
            httpContext.Response.Headers.RetryAfter = "5";
            await FhirResults.Error(503, "NDI-AUD-010", OperationOutcome.IssueType.Transient,
                $"The access could not be written to the audit log, so it was not given; try again shortly (trace id {traceId}).").ExecuteAsync(httpContext);
            return true;
        }
        if (exception is BadHttpRequestException bad)
        {
            // The server itself refused the request (a body over the route's size limit, a malformed body framing):
            // the caller's fault, said as such, not a 500.
            logger.LogInformation("Bad request on {Method} {Path} (trace {TraceId}): {Status} {Reason}", httpContext.Request.Method, httpContext.Request.Path, traceId, bad.StatusCode, bad.Message);
            var tooLarge = bad.StatusCode == StatusCodes.Status413PayloadTooLarge;
            var text = tooLarge ? "The body is larger than this route accepts." : "The request is malformed.";
            if (IsFhirPath(httpContext.Request.Path))
            {
                await FhirResults.Error(bad.StatusCode, tooLarge ? "NDI-PLAT-413" : "NDI-PLAT-400", tooLarge ? OperationOutcome.IssueType.TooCostly : OperationOutcome.IssueType.Invalid, text).ExecuteAsync(httpContext);
                return true;
            }
            httpContext.Response.StatusCode = bad.StatusCode;
            return await problemDetails.TryWriteAsync(new ProblemDetailsContext
            {
                HttpContext = httpContext,
                Exception = exception,
                ProblemDetails = { Status = bad.StatusCode, Title = text, Type = $"urn:openndi:error:{(tooLarge ? "NDI-PLAT-413" : "NDI-PLAT-400")}" },
            });
        }
        logger.LogError(exception, "Unhandled error on {Method} {Path} (trace {TraceId})", httpContext.Request.Method, httpContext.Request.Path, traceId);
        var message = $"Internal error; trace id {traceId}.";
        if (IsFhirPath(httpContext.Request.Path))
        {
            await FhirResults.Error(500, "NDI-PLAT-500", OperationOutcome.IssueType.Exception, message).ExecuteAsync(httpContext);
            return true;
        }
        httpContext.Response.StatusCode = StatusCodes.Status500InternalServerError;
        return await problemDetails.TryWriteAsync(new ProblemDetailsContext
        {
            HttpContext = httpContext,
            Exception = exception,
            ProblemDetails = { Status = 500, Title = "Internal error", Detail = message, Type = "urn:openndi:error:NDI-PLAT-500" },
        });
    }

    internal static bool IsFhirPath(PathString path) =>
        path.StartsWithSegments("/fhir") || (path.StartsWithSegments("/sim") && path.Value!.Contains("/fhir", StringComparison.Ordinal));
}
