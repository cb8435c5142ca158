using Hl7.Fhir.Model;

namespace OpenNdi.Fhir;

/// <summary>Human-readable narrative (FHIR R4 §2.4.3: generated XHTML in a div, text escaped).</summary>
public static class Narratives
{
    public static Narrative Generated(string text) => new()
    {
        Status = Narrative.NarrativeStatus.Generated,
        Div = $"<div xmlns=\"http://www.w3.org/1999/xhtml\">{System.Security.SecurityElement.Escape(text)}</div>",
    };
}
