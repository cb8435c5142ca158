using System.Text;
using Hl7.Fhir.Model;
using OpenNdi.Core.Identifiers;
using OpenNdi.Core.Index;
using OpenNdi.Fhir;
using OpenNdi.Server.PatientIndex;

namespace OpenNdi.Server.Tests;

/// <summary>
/// The bulk publish's reader (<see cref="PublishedDocumentJson"/> with the Firely parse for any other line) against
/// the Firely-only reader it replaced: the same entries, or the same refusal (code, text, expression), line for line.
/// </summary>
public sealed class BulkNdjsonReaderTests
{
    private static readonly OrganizationNumber RegionOrg = OrganizationNumber.Parse("232100-0016");
    private static readonly HsaId Region = HsaId.Create(RegionOrg, "1000");
    private static readonly HsaId Unit = HsaId.Create(RegionOrg, "15CQ");
    private const string Pnr = "191212121212";

    /// <summary>The bulk body as it was read before the fast reader: every line parsed strictly by Firely (copied from main 6c47bf1).</summary>
    private static (IReadOnlyList<IndexEntry>? Entries, BulkProblem? Problem) Firely(string body, HsaId provider)
    {
        var entries = new List<IndexEntry>();
        var lineNumber = 0;
        foreach (var line in body.Split('\n'))
        {
            lineNumber++;
            if (string.IsNullOrWhiteSpace(line))
                continue;
            var resource = FhirJson.TryParse(line, out var parseError);
            if (resource is not DocumentReference document)
            {
                var error = resource is null ? $"not valid FHIR JSON: {parseError}" : $"expected a DocumentReference, got a {resource.TypeName}";
                return (null, new BulkProblem("NDI-PDI-002", $"line {lineNumber}: {error}", $"line {lineNumber}"));
            }
            var (published, mapError, expression) = IndexEntryMapper.Read(document, provider);
            if (published is null)
                return (null, new BulkProblem("NDI-PDI-003", $"line {lineNumber}: {mapError}", $"line {lineNumber}: {expression}"));
            if (published.Retract)
                return (null, new BulkProblem("NDI-PDI-003", $"line {lineNumber}: retract entries one at a time with POST /fhir/DocumentReference", $"line {lineNumber}"));
            entries.Add(published.Entry);
        }
        return entries.Count == 0 ? (null, new BulkProblem("NDI-PDI-003", "the body holds no DocumentReference", null)) : (entries, null);
    }

    private static void AssertSame(string body)
    {
        var (expectedEntries, expectedProblem) = Firely(body, Region);
        var (entries, problem) = PublishEndpoints.ReadBulk(Encoding.UTF8.GetBytes(body), Region);
        Assert.Equal(expectedProblem, problem);
        Assert.Equal(expectedEntries, entries);
    }

    /// <summary>One line in the shape the bulk benchmark and provider systems send.</summary>
    private static string Line(string status = "\"current\"", string identifier = "[{\"system\":\"urn:openndi:index:source-reference\",\"value\":\"ehr-1|lab-7\"}]",
        string type = "{\"coding\":[{\"system\":\"http://loinc.org\",\"code\":\"11502-2\",\"display\":\"Laboratory report\"}]}",
        string subject = "{\"identifier\":{\"system\":\"urn:oid:1.2.752.129.2.1.3.1\",\"value\":\"" + Pnr + "\"}}",
        string? author = null, string context = "{\"period\":{\"start\":\"2024-01-05\",\"end\":\"2024-03-01\"}}",
        string content = "[{\"attachment\":{\"contentType\":\"application/fhir+json\"}}]", string extra = "") =>
        "{\"resourceType\":\"DocumentReference\",\"status\":" + status + ",\"identifier\":" + identifier + ",\"type\":" + type + ",\"subject\":" + subject
        + ",\"author\":" + (author ?? "[{\"identifier\":{\"system\":\"urn:oid:1.2.752.29.4.19\",\"value\":\"" + Unit.Value + "\"}}]")
        + ",\"context\":" + context + ",\"content\":" + content + extra + "}";

    [Fact]
    public void Read_TheUsualLine_TakesTheFastPath_AndGivesTheEntryItSays()
    {
        var line = Line();

        Assert.NotNull(PublishedDocumentJson.TryRead(Encoding.UTF8.GetBytes(line)));
        var (entries, problem) = PublishEndpoints.ReadBulk(Encoding.UTF8.GetBytes(line + "\n\n" + line.Replace("lab-7", "lab-8") + "\r\n"), Region);

        Assert.Null(problem);
        var key = new IndexEntryKey(PersonalIdentityNumber.Parse(Pnr), DataCategory.Laboratory, Unit, "ehr-1", "lab-7");
        Assert.Equal([new IndexEntry(key, Region, new(2024, 1, 5), new(2024, 3, 1)), new IndexEntry(key with { SourceReference = "lab-8" }, Region, new(2024, 1, 5), new(2024, 3, 1))], entries);
        AssertSame(line);
    }

    /// <summary>The lines the simulated providers publish (Firely-serialized) take the fast path and read as Firely reads them.</summary>
    [Fact]
    public void Read_SimulatedProvidersLines_TakeTheFastPath()
    {
        var document = new DocumentReference
        {
            Status = DocumentReferenceStatus.Current,
            Identifier = [new Identifier(IndexEntryKey.SourceReferenceSystem, "sim-ehr|Condition?patient={0}")],
            Type = new CodeableConcept(DataCategory.LoincSystem, DataCategory.Problems.Loinc, DataCategory.Problems.Display),
            Subject = new ResourceReference { Identifier = new Identifier(PersonalIdentityNumber.PersonnummerSystem, Pnr) },
            Author = [new ResourceReference { Identifier = new Identifier(HsaId.System, Unit.Value) }],
            Context = new DocumentReference.ContextComponent { Period = new Period(new FhirDateTime("2019-02-03"), new FhirDateTime("2025-11-30")) },
            Content = [new DocumentReference.ContentComponent { Attachment = new Attachment { ContentType = "application/fhir+json" } }],
        };
        var line = FhirJson.Serialize(document);

        Assert.NotNull(PublishedDocumentJson.TryRead(Encoding.UTF8.GetBytes(line)));
        AssertSame(line);
    }

    public static TheoryData<string> Lines => new(
        // refused by the index's own rules, read on the fast path
        Line(status: "\"entered-in-error\""), Line(status: "\"superseded\""),
        Line(subject: "{\"identifier\":{\"system\":\"urn:oid:1.2.752.129.2.1.3.1\",\"value\":\"191212121213\"}}"),
        Line(subject: "{\"identifier\":{\"system\":\"urn:oid:1.2.752.129.2.1.3.3\",\"value\":\"" + Pnr + "\"}}"),
        Line(subject: "{\"identifier\":{\"system\":\"urn:other\",\"value\":\"" + Pnr + "\"}}"),
        Line(subject: "{\"identifier\":{\"value\":\"" + Pnr + "\"}}"), Line(subject: "{\"identifier\":{\"system\":\"urn:oid:1.2.752.129.2.1.3.1\"}}"),
        Line(type: "{\"coding\":[{\"system\":\"urn:x\",\"code\":\"laboratory\"},{\"system\":\"http://loinc.org\",\"code\":\"60591-5\"}]}"),
        Line(type: "{\"coding\":[{\"system\":\"http://loinc.org\",\"code\":\"1-8\"}]}"), Line(type: "{\"coding\":[{\"system\":\"http://loinc.org\"}]}"),
        Line(type: "{\"coding\":[{\"code\":\"11502-2\"}]}"), Line(type: "{\"coding\":[{\"system\":\"http://loinc.org\",\"code\":\"laboratory\"}]}"),
        Line(author: "[{\"identifier\":{\"system\":\"urn:oid:1.2.752.29.4.19\",\"value\":\"SE123\"}}]"),
        Line(author: "[{\"identifier\":{\"system\":\"urn:x\",\"value\":\"" + Unit.Value + "\"}}]"),
        Line(author: "[{\"identifier\":{\"system\":\"urn:x\",\"value\":\"a\"}},{\"identifier\":{\"system\":\"urn:oid:1.2.752.29.4.19\",\"value\":\"" + Unit.Value + "\"}}]"),
        Line(identifier: "[{\"system\":\"urn:openndi:index:source-reference\",\"value\":\"no-bar\"}]"),
        Line(identifier: "[{\"system\":\"urn:openndi:index:source-reference\",\"value\":\"|lab\"}]"),
        Line(identifier: "[{\"system\":\"urn:openndi:index:source-reference\",\"value\":\"ehr|\"}]"),
        Line(identifier: "[{\"system\":\"urn:openndi:index:source-reference\"},{\"system\":\"urn:openndi:index:source-reference\",\"value\":\"a|b\"}]"),
        Line(identifier: "[{\"system\":\"urn:x\",\"value\":\"a|b\"},{\"system\":\"urn:openndi:index:source-reference\",\"value\":\"ehr|a|b åäö\"}]"),
        Line(identifier: "[{\"system\":\"urn:openndi:index:source-reference\",\"value\":\"ehr|" + new string('r', 257) + "\"}]"),
        Line(identifier: "[{\"system\":\"urn:openndi:index:source-reference\",\"value\":\"" + new string('s', 129) + "|r\"}]"),
        Line(context: "{\"period\":{\"start\":\"2024-01-05\"}}"), Line(context: "{\"period\":{\"end\":\"2024-01-05\"}}"),
        Line(context: "{\"period\":{\"start\":\"2024-03-05\",\"end\":\"2024-01-01\"}}"),
        Line(context: "{\"period\":{\"start\":\"2024-02-30\"}}"), Line(context: "{\"period\":{\"start\":\"2024-01-05T10:00:00+01:00\"}}"),
        Line(context: "{\"period\":{\"start\":\"2024\"}}"), Line(context: "{\"period\":{\"start\":\"2024-13-01\"}}"),
        Line(context: "{\"period\":{\"start\":\"05-01-2024\"}}"),
        // escapes and text
        Line(subject: "{\"identifier\":{\"system\":\"urn:oid:1.2.752.129.2.1.3.1\",\"value\":\"\\u0031" + Pnr[1..] + "\"}}"),
        Line(subject: "{\"identifier\":{\"system\":\"urn:oid:1.2.752.129.2.1.3.1\",\"value\":\" " + Pnr + "\"}}"),
        Line(subject: "{\"identifier\":{\"system\":\"urn:oid:1.2.752.129.2.1.3.1\",\"value\":\"19121212-1212\"}}"),
        Line(identifier: "[{\"system\":\"urn:openndi:index:source-reference\",\"value\":\"ehr|a\\u0001b\"}]"),
        Line(identifier: "[{\"system\":\"urn:openndi:index:source-reference\",\"value\":\"ehr|a\\tb\"}]"),
        Line(identifier: "[{\"system\":\"urn:openndi:index:source-reference\",\"value\":\"ehr|ab \"}]"),
        Line(identifier: "[{\"system\":\"urn:openndi:index:source-reference\",\"value\":\"ehr|\\ud83d\\ude00\"}]"),
        Line(identifier: "[{\"system\":\"urn:openndi:index:source-reference\",\"value\":\"\"}]"),
        Line(identifier: "[{\"system\":\"urn:openndi:index:source-reference \",\"value\":\"ehr|a\"}]"),
        Line(type: "{\"coding\":[{\"system\":\"http://loinc.org\",\"code\":\"11502-2\",\"display\":\"\"}]}"),
        Line(type: "{\"coding\":[{\"system\":\"http://loinc.org\",\"code\":\" 11502-2\"}]}"),
        Line(content: "[{\"attachment\":{\"contentType\":\"application/fhir json\"}}]"),
        "{\"resourceType\":\"DocumentReference\",\"st\\u0061tus\":\"current\"" + Line()[("{\"resourceType\":\"DocumentReference\",\"status\":\"current\"").Length..],
        // outside the fast reader's shape: the Firely parse decides
        Line(status: "\"draft\""), Line(status: "\"Current\""), Line(status: "1"), Line(status: "null"), Line(status: "[\"current\"]"),
        Line(author: "{\"identifier\":{\"system\":\"urn:oid:1.2.752.29.4.19\",\"value\":\"" + Unit.Value + "\"}}"),
        Line(author: "[]"), Line(author: "[{}]"), Line(author: "[{\"reference\":\"Organization/1\"}]"), Line(author: "null"),
        Line(subject: "[]"), Line(subject: "{}"), Line(subject: "{\"identifier\":{}}"), Line(subject: "{\"reference\":\"Patient/1\"}"),
        Line(subject: "{\"identifier\":{\"system\":\"urn:oid:1.2.752.129.2.1.3.1\",\"value\":191212121212}}"),
        Line(identifier: "{\"system\":\"urn:openndi:index:source-reference\",\"value\":\"ehr-1|lab-7\"}"), Line(identifier: "[]"),
        Line(identifier: "[{\"system\":\"urn:openndi:index:source-reference\",\"value\":\"ehr-1|lab-7\",\"use\":\"official\"}]"),
        Line(type: "{\"coding\":{\"system\":\"http://loinc.org\",\"code\":\"11502-2\"}}"), Line(type: "{\"text\":\"lab\"}"), Line(type: "{\"coding\":[{\"system\":\"http://loinc.org\",\"code\":\"11502-2\"}],\"text\":\" lab\"}"), Line(type: "{\"coding\":[]}"),
        Line(context: "{\"period\":{\"start\":20240105}}"), Line(context: "{\"period\":{}}"), Line(context: "{}"), Line(context: "{\"period\":{\"start\":\"\"}}"),
        Line(context: "{\"period\":{\"start\":\"2024-01-05\"},\"event\":[{\"text\":\"x\"}]}"),
        Line(content: "[]"), Line(content: "[{}]"), Line(content: "[{\"attachment\":{}}]"), Line(content: "[{\"attachment\":{\"url\":\"http://x\"}}]"),
        Line(extra: ",\"id\":\"abc\""), Line(extra: ",\"id\":\"a b\""), Line(extra: ",\"meta\":{\"versionId\":\"1\"}"), Line(extra: ",\"unknown\":1"),
        Line(extra: ",\"extension\":[{\"url\":\"http://example.org/x\",\"valueString\":\"y\"}]"), Line(extra: ",\"_status\":{\"id\":\"s\"}"),
        Line(extra: ",\"status\":\"current\""), Line(extra: ",\"subject\":{\"identifier\":{\"value\":\"" + Pnr + "\"}}"),
        Line(extra: ",\"description\":\"a note\""), Line(extra: ",\"category\":[{\"coding\":[{\"system\":\"urn:openndi:index:category\",\"code\":\"laboratory\"}]}]"),
        Line(extra: ",\"resourceType\":\"DocumentReference\""),
        Line().Replace("{\"resourceType\":\"DocumentReference\",", "{") + "",
        "{\"status\":\"current\",\"resourceType\":\"DocumentReference\"" + Line()[("{\"resourceType\":\"DocumentReference\",\"status\":\"current\"").Length..],
        Line().Replace("DocumentReference", "Patient"), Line().Replace("\"DocumentReference\"", "\"documentReference\""),
        Line() + " {}", Line() + "x", Line()[..^1], Line()[..^1] + ",}", Line() + " // note", "/* c */" + Line(), "[" + Line() + "]",
        "{}", "[]", "null", "1", "\"text\"", "{\"resourceType\":\"Bundle\",\"type\":\"transaction\"}", "{\"resourceType\":", "\uFEFF" + Line(),
        "   ", "\t", "\u00a0", "\u00a0" + Line(), Line() + "\u00a0", " " + Line() + " \t\r",
        DocumentReferenceAsTheIndexWritesIt());

    /// <summary>An entry as the index answers a lookup with it (Firely-serialized, with id, category, custodian): not the fast shape.</summary>
    private static string DocumentReferenceAsTheIndexWritesIt()
    {
        var key = new IndexEntryKey(PersonalIdentityNumber.Parse(Pnr), DataCategory.DischargeReport, Unit, "ehr-1", "epikris 7");
        return FhirJson.Serialize(DocumentReferences.From(new IndexEntry(key, Region, new(2024, 2, 1), new(2024, 2, 9)), new Uri("https://ehr.example/fhir")));
    }

    [Theory]
    [MemberData(nameof(Lines))]
    public void Read_OneLine_GivesWhatTheFirelyParseGives(string line)
    {
        AssertSame(line);
        AssertSame(Line(identifier: "[{\"system\":\"urn:openndi:index:source-reference\",\"value\":\"ehr|first\"}]") + "\n" + line + "\n" + Line());
    }

    [Fact]
    public void Read_TheTestSuitesBulkBodies_GivesWhatTheFirelyParseGives()
    {
        string Document(string reference) => $$$"""
            {"resourceType":"DocumentReference","status":"current",
             "identifier":[{"system":"urn:openndi:index:source-reference","value":"ehr-1|{{{reference}}}"}],
             "type":{"coding":[{"system":"http://loinc.org","code":"11502-2"}]},
             "subject":{"identifier":{"system":"urn:oid:1.2.752.129.2.1.3.1","value":"{{{Pnr}}}"}},
             "author":[{"identifier":{"system":"urn:oid:1.2.752.29.4.19","value":"{{{Unit.Value}}}"}}],
             "context":{"period":{"start":"2024-01-05","end":"2024-03-01"}},
             "content":[{"attachment":{"contentType":"application/fhir+json"}}]}
            """.ReplaceLineEndings(" ");

        AssertSame(string.Join('\n', Document("a"), Document("b"), "{\"resourceType\":"));
        AssertSame(string.Join('\n', Enumerable.Range(0, 50).Select(i => Document($"lab-{i}"))));
        AssertSame(string.Join('\n', Document("a"), Document("a"), Document("b")));
        // A document over several lines is several bad lines, as before.
        AssertSame(Document("a").Replace(" \"type\"", "\n\"type\"", StringComparison.Ordinal));
        AssertSame("");
        AssertSame("\n\n \n");
        Assert.NotNull(PublishedDocumentJson.TryRead(Encoding.UTF8.GetBytes(Document("a"))));
    }

    /// <summary>
    /// Every one-character deletion and a few substitutions at every position of the usual line: whatever the damage,
    /// both readers accept the same lines and give the same entry or the same refusal.
    /// </summary>
    [Fact]
    public void Read_TheUsualLineDamagedAnywhere_GivesWhatTheFirelyParseGives()
    {
        var line = Line();
        for (var i = 0; i < line.Length; i++)
        {
            AssertSame(line.Remove(i, 1));
            foreach (var c in "\" 1{[:,é")
                AssertSame(line[..i] + c + line[(i + 1)..]);
        }
    }

    [Fact]
    public void Read_InvalidUtf8InAString_GivesWhatTheFirelyParseGives()
    {
        var bytes = Encoding.UTF8.GetBytes(Line()).ToList();
        var at = bytes.IndexOf((byte)'7'); // inside "ehr-1|lab-7"
        bytes.InsertRange(at, [0xC3, 0x28]);
        var (expectedEntries, expectedProblem) = Firely(Encoding.UTF8.GetString([.. bytes]), Region);
        var (entries, problem) = PublishEndpoints.ReadBulk([.. bytes], Region);

        Assert.Equal(expectedProblem, problem);
        Assert.Equal(expectedEntries, entries);
    }

    [Fact]
    public void Read_ABadPersonnummer_IsRefusedWithTheLineAndTheElement()
    {
        var (entries, problem) = PublishEndpoints.ReadBulk(Encoding.UTF8.GetBytes(Line() + "\n" + Line(subject: "{\"identifier\":{\"value\":\"191212121213\"}}")), Region);

        Assert.Null(entries);
        Assert.Equal("NDI-PDI-003", problem!.Code);
        Assert.StartsWith("line 2: subject.identifier: ", problem.Message);
        Assert.Equal("line 2: DocumentReference.subject.identifier.value", problem.Expression);
    }
}
