using System.Text;
using Hl7.Fhir.Model;
using OpenNdi.Fhir;

namespace OpenNdi.Server.FhirApi;

/// <summary>Request bodies read with a size limit, so an oversized body is refused without being buffered whole.</summary>
internal static class RequestBodies
{
    /// <summary>Reads the body as UTF-8, stopping as soon as it exceeds the limit (the rest is not buffered).</summary>
    public static async Task<(string Body, bool TooLarge)> ReadAsync(HttpRequest request, int maxBytes, CancellationToken cancellationToken)
    {
        var (bytes, tooLarge) = await ReadBytesAsync(request, maxBytes, cancellationToken);
        return (tooLarge ? string.Empty : Encoding.UTF8.GetString(bytes.Span), tooLarge);
    }

    /// <summary>The body's bytes, read no further than the limit (empty when it is over).</summary>
    public static async Task<(ReadOnlyMemory<byte> Body, bool TooLarge)> ReadBytesAsync(HttpRequest request, int maxBytes, CancellationToken cancellationToken)
    {
        if (request.ContentLength > maxBytes)
            return (ReadOnlyMemory<byte>.Empty, true);
        using var buffer = new MemoryStream(request.ContentLength is { } length ? (int)length : 0);
        var chunk = new byte[81920];
        int read;
        while ((read = await request.Body.ReadAsync(chunk, cancellationToken)) > 0)
        {
            if (buffer.Length + read > maxBytes)
                return (ReadOnlyMemory<byte>.Empty, true);
            buffer.Write(chunk, 0, read);
        }
        return (buffer.GetBuffer().AsMemory(0, (int)buffer.Length), false);
    }

    /// <summary>
    /// The body as a resource of type <typeparamref name="T"/>, or the answer that says why not: a body over
    /// <paramref name="maxBytes"/> is a 413 (<paramref name="tooLargeCode"/>, <paramref name="tooLargeText"/>), read no
    /// further than the limit; one that is not FHIR JSON, or not a <typeparamref name="T"/>, a 400
    /// (<paramref name="invalidCode"/>) saying "expected <paramref name="expected"/>".
    /// </summary>
    public static async Task<(T? Resource, IResult? Error)> ReadResourceAsync<T>(HttpRequest request, int maxBytes, string tooLargeCode, string tooLargeText,
        string invalidCode, string expected, CancellationToken cancellationToken, string? expression = null)
        where T : Resource
    {
        var (body, tooLarge) = await ReadAsync(request, maxBytes, cancellationToken);
        if (tooLarge)
            return (null, FhirResults.Error(413, tooLargeCode, OperationOutcome.IssueType.TooCostly, tooLargeText));
        var resource = FhirJson.TryParse(body, out var parseError);
        return resource is T typed
            ? (typed, null)
            : (null, FhirResults.Error(400, invalidCode, OperationOutcome.IssueType.Invalid,
                resource is null ? $"not valid FHIR JSON: {parseError}" : $"expected {expected}, got a {resource.TypeName}", expression));
    }
}
