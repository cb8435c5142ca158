using Microsoft.AspNetCore.Http;
using OpenNdi.Server.FhirApi;

namespace OpenNdi.Server.Tests;

/// <summary>The bulk body read into a pooled buffer: whole when under the limit, with or without a Content-Length, refused when over.</summary>
public sealed class PooledBodyTests
{
    private static HttpRequest Request(byte[] body, bool withLength)
    {
        var context = new DefaultHttpContext();
        context.Request.Body = new MemoryStream(body);
        context.Request.ContentLength = withLength ? body.Length : null;
        return context.Request;
    }

    [Theory]
    [InlineData(0, true)]
    [InlineData(10, true)]
    [InlineData(300_000, true)]
    [InlineData(0, false)]
    [InlineData(81_920, false)]
    [InlineData(300_000, false)] // several times the first buffer: it grows
    public async Task ReadPooled_UnderTheLimit_GivesEveryByte(int size, bool withLength)
    {
        var bytes = Enumerable.Range(0, size).Select(i => (byte)(i * 31)).ToArray();

        using var body = await RequestBodies.ReadPooledAsync(Request(bytes, withLength), 1_000_000, TestContext.Current.CancellationToken);

        Assert.NotNull(body);
        Assert.True(body.Span.SequenceEqual(bytes));
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task ReadPooled_OverTheLimit_IsNull(bool withLength)
    {
        var bytes = new byte[200_001];

        var atTheLimit = await RequestBodies.ReadPooledAsync(Request(bytes[..200_000], withLength), 200_000, TestContext.Current.CancellationToken);
        var over = await RequestBodies.ReadPooledAsync(Request(bytes, withLength), 200_000, TestContext.Current.CancellationToken);

        Assert.Equal(200_000, atTheLimit?.Length);
        atTheLimit?.Dispose();
        Assert.Null(over);
    }
}
