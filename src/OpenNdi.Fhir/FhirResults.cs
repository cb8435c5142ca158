using System.Text;
using Hl7.Fhir.Model;
using Microsoft.AspNetCore.Http;

namespace OpenNdi.Fhir;

/// <summary>HTTP results carrying FHIR JSON with the FHIR media type.</summary>
public static class FhirResults
{
    public const string ContentType = "application/fhir+json; charset=utf-8";

    public static IResult Resource(Resource resource, int statusCode = StatusCodes.Status200OK) =>
        new StatusCodeFhirResult(FhirJson.SerializeToUtf8(resource), statusCode);

    /// <summary>JSON already serialised (e.g. stored resources, hand-assembled bundles).</summary>
    public static IResult Json(byte[] utf8Json, int statusCode = StatusCodes.Status200OK) => new StatusCodeFhirResult(utf8Json, statusCode);

    public static IResult Json(string json, int statusCode = StatusCodes.Status200OK) => new StatusCodeFhirResult(Encoding.UTF8.GetBytes(json), statusCode);

    /// <summary>JSON written straight into the response as it is made (<paramref name="write"/> gets the response's pipe), for answers too large to hold whole first.</summary>
    public static IResult Streamed(Action<System.Buffers.IBufferWriter<byte>> write, int statusCode = StatusCodes.Status200OK) => new StreamedFhirResult(write, statusCode);

    public sealed class StreamedFhirResult(Action<System.Buffers.IBufferWriter<byte>> write, int statusCode) : IResult, IStatusCodeHttpResult
    {
        int? IStatusCodeHttpResult.StatusCode => statusCode;

        public async System.Threading.Tasks.Task ExecuteAsync(HttpContext httpContext)
        {
            httpContext.Response.StatusCode = statusCode;
            httpContext.Response.ContentType = ContentType;
            write(httpContext.Response.BodyWriter);
            await httpContext.Response.BodyWriter.FlushAsync(httpContext.RequestAborted);
        }
    }

    public static IResult Error(int statusCode, string errorCode, OperationOutcome.IssueType type, string message, string? expression = null) =>
        new FhirErrorResult(FhirJson.SerializeToUtf8(Outcomes.Error(errorCode, type, message, expression)), statusCode, errorCode, message);

    /// <summary>An error answer that says, to the audit filter, which error it is (code and text) without re-parsing the body.</summary>
    public sealed class FhirErrorResult(byte[] body, int statusCode, string errorCode, string message) : StatusCodeFhirResult(body, statusCode)
    {
        public string ErrorCode { get; } = errorCode;

        public string Message { get; } = message;
    }

    public class StatusCodeFhirResult(byte[] body, int statusCode) : IResult, IStatusCodeHttpResult
    {
        int? IStatusCodeHttpResult.StatusCode => statusCode;

        public System.Threading.Tasks.Task ExecuteAsync(HttpContext httpContext)
        {
            httpContext.Response.StatusCode = statusCode;
            httpContext.Response.ContentType = ContentType;
            httpContext.Response.ContentLength = body.Length;
            return httpContext.Response.Body.WriteAsync(body).AsTask();
        }
    }
}
