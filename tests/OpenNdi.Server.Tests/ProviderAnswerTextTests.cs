using System.Net;
using System.Net.Http.Headers;
using System.Text;
using Hl7.Fhir.Model;
using Microsoft.Extensions.Options;
using OpenNdi.Core.Index;
using OpenNdi.Fhir;
using OpenNdi.Server.ProfessionalAccess;
using static OpenNdi.Server.Tests.ProviderAnswerPipeline;
using Task = System.Threading.Tasks.Task;

namespace OpenNdi.Server.Tests;

/// <summary>
/// A provider's answer is read from its bytes (issue 16). Whatever encoding it came in, what it says is what the text
/// says: a UTF-8 body as it is, a declared charset, a byte order mark and invalid UTF-8 as the decoded text, the way the
/// fetcher read answers before it read bytes.
/// </summary>
public sealed class ProviderAnswerTextTests
{
    private const string Name = "Åsa Öberg-Ærø";

    private static string AnswerJson(string family) =>
        $$$"""{"resourceType":"Bundle","type":"searchset","entry":[{"fullUrl":"https://ehr1.example/fhir/Patient/p1","resource":{"resourceType":"Patient","id":"p1","name":[{"family":"{{{family}}}"}]}}]}""";

    private sealed class Answering(byte[] body, string? charset) : HttpMessageHandler
    {
        protected override System.Threading.Tasks.Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            var content = new ByteArrayContent(body);
            content.Headers.ContentType = new MediaTypeHeaderValue("application/fhir+json") { CharSet = charset };
            return Task.FromResult(new HttpResponseMessage(HttpStatusCode.OK) { Content = content });
        }
    }

    private sealed class Clients(HttpMessageHandler handler) : IHttpClientFactory
    {
        public HttpClient CreateClient(string name) => new(handler, disposeHandler: false);
    }

    private static async System.Threading.Tasks.Task<ProviderAnswer> FetchAsync(byte[] body, string? charset)
    {
        var system = ProviderSystem.Numbered(1);
        var job = new FetchJob(system.Provider, "ehr", DataCategory.PatientSummary, new Uri(system.Base), "Patient/p1/$summary", "p1", []);
        var fetcher = new ProviderFetcher(new Clients(new Answering(body, charset)), Options.Create(new ProfessionalAccessOptions()), TimeProvider.System);
        return await fetcher.FetchAsync(job, CancellationToken.None, CancellationToken.None);
    }

    private static string? FamilyOf(ProviderAnswer answer)
    {
        Assert.Equal(FetchStatus.Answered, answer.Status);
        return Assert.IsType<Patient>(Assert.Single(answer.Bundle!.Entry).Resource).Name[0].Family;
    }

    [Theory]
    [InlineData(null)]
    [InlineData("utf-8")]
    [InlineData("\"UTF-8\"")]
    public async Task A_utf8_answer_is_read_as_sent(string? charset)
    {
        var answer = await FetchAsync(Encoding.UTF8.GetBytes(AnswerJson(Name)), charset);

        Assert.Equal(Name, FamilyOf(answer));
        // The resource keeps the bytes it was sent as, to be written from.
        var patient = answer.Bundle!.Entry[0].Resource;
        Assert.Contains("\"family\":\"Åsa Öberg-Ærø\"", Encoding.UTF8.GetString(RawResourceJson.Of(patient)!.Json.Span));
    }

    [Fact]
    public async Task A_declared_charset_is_decoded_before_reading()
    {
        var latin1 = Encoding.Latin1.GetBytes(AnswerJson(Name));

        Assert.Equal(Name, FamilyOf(await FetchAsync(latin1, "iso-8859-1")));
    }

    [Fact]
    public async Task A_byte_order_mark_is_dropped()
    {
        byte[] body = [0xEF, 0xBB, 0xBF, .. Encoding.UTF8.GetBytes(AnswerJson(Name))];

        Assert.Equal(Name, FamilyOf(await FetchAsync(body, null)));
    }

    [Fact]
    public async Task Invalid_utf8_is_replaced_not_a_failed_answer()
    {
        var body = Encoding.UTF8.GetBytes(AnswerJson("Ab#c"));
        body[Array.IndexOf(body, (byte)'#')] = 0xFF; // not UTF-8 anywhere

        Assert.Equal("Ab\uFFFDc", FamilyOf(await FetchAsync(body, null)));
    }

    [Fact]
    public async Task Comments_are_skipped_as_firely_skips_them_and_the_resources_are_written_from_their_objects()
    {
        var body = Encoding.UTF8.GetBytes(AnswerJson(Name).Replace("\"resource\":", "/* the patient */ \"resource\":", StringComparison.Ordinal));

        var answer = await FetchAsync(body, null);

        Assert.Equal(Name, FamilyOf(answer));
        Assert.Null(RawResourceJson.Of(answer.Bundle!.Entry[0].Resource));
    }

    [Fact]
    public async Task An_answer_that_is_not_json_is_invalid_with_the_reason()
    {
        var answer = await FetchAsync(Encoding.UTF8.GetBytes("<html>busy</html>"), null);

        Assert.Equal(FetchStatus.Invalid, answer.Status);
        Assert.Contains("not JSON", answer.Problem);
    }
}
