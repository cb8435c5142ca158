using System.Buffers;
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
        if (request.ContentLength > maxBytes)
            return (string.Empty, true);
        using var buffer = new MemoryStream();
        var chunk = new byte[81920];
        int read;
        while ((read = await request.Body.ReadAsync(chunk, cancellationToken)) > 0)
        {
            if (buffer.Length + read > maxBytes)
                return (string.Empty, true);
            buffer.Write(chunk, 0, read);
        }
        return (Encoding.UTF8.GetString(buffer.GetBuffer(), 0, (int)buffer.Length), false);
    }

    /// <summary>
    /// The body's bytes in a buffer from the shared pool (dispose it to give it back), read no further than the limit;
    /// null when the body is over it. A bulk body of tens of megabytes in a fresh array each time would be a
    /// large-object allocation per request, and each of those brings a full garbage collection closer.
    /// </summary>
    public static async Task<PooledBody?> ReadPooledAsync(HttpRequest request, int maxBytes, CancellationToken cancellationToken)
    {
        if (request.ContentLength > maxBytes)
            return null;
        var body = new PooledBody(ArrayPool<byte>.Shared.Rent((int)Math.Min(request.ContentLength ?? 81920, maxBytes) + 1));
        try
        {
            int read;
            while ((read = await request.Body.ReadAsync(body.Free, cancellationToken)) > 0)
            {
                if (body.Length + read > maxBytes)
                {
                    body.Dispose();
                    return null;
                }
                body.Advance(read);
            }
            return body;
        }
        catch
        {
            body.Dispose();
            throw;
        }
    }

    /// <summary>A request body in a rented buffer.</summary>
    internal sealed class PooledBody(byte[] buffer) : IDisposable
    {
        private byte[]? _buffer = buffer;

        public int Length { get; private set; }

        public ReadOnlySpan<byte> Span => Buffer.AsSpan(0, Length);

        public Memory<byte> Free
        {
            get
            {
                if (Length == Buffer.Length)
                {
                    var larger = ArrayPool<byte>.Shared.Rent(Buffer.Length * 2);
                    Buffer.AsSpan(0, Length).CopyTo(larger);
                    ArrayPool<byte>.Shared.Return(Buffer);
                    _buffer = larger;
                }
                return Buffer.AsMemory(Length);
            }
        }

        private byte[] Buffer => _buffer ?? throw new ObjectDisposedException(nameof(PooledBody));

        public void Advance(int count) => Length += count;

        public void Dispose()
        {
            if (_buffer is { } rented)
                ArrayPool<byte>.Shared.Return(rented);
            _buffer = null;
        }
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
