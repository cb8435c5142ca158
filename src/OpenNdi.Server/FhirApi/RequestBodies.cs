using System.Text;

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
}
