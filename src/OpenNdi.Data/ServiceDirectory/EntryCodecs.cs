using System.Text.Json;
using OpenNdi.Core.Identifiers;
using OpenNdi.Core.ServiceDirectory;

namespace OpenNdi.Data.ServiceDirectory;

/// <summary>
/// The columns a care-services search needs, beside the stored JSON: the entry's own HSA-id and organisation
/// number (Organization), the organization it belongs to (Organization.partOf, Location.managingOrganization,
/// HealthcareService.providedBy) and its name folded for case- and accent-insensitive prefix search.
/// </summary>
internal readonly record struct EntryColumns(string? HsaId, string? OrganizationNumber, string? Organization, string NameKey);

/// <summary>How one care-services type is stored: its FHIR resource type, its search columns and its JSON form.</summary>
internal abstract class EntryCodec<T>
    where T : class, IDirectoryEntry
{
    public abstract string ResourceType { get; }

    public abstract EntryColumns Columns(T entry);

    public abstract string ToJson(T entry);

    public abstract T FromJson(string json);
}

/// <summary>The three codecs, and the one folding rule names are searched by.</summary>
internal static class EntryCodecs
{
    public static EntryCodec<T> For<T>()
        where T : class, IDirectoryEntry
    {
        object codec = typeof(T) == typeof(DirectoryOrganization) ? new OrganizationCodec()
            : typeof(T) == typeof(DirectoryLocation) ? new LocationCodec()
            : typeof(T) == typeof(DirectoryHealthcareService) ? new HealthcareServiceCodec()
            : throw new NotSupportedException($"{typeof(T).Name} is not a care-services entry of the directory");
        return (EntryCodec<T>)codec;
    }

    /// <summary>
    /// Lower case with the Swedish letters and common accents folded (å, ä → a; ö → o), so "vardc" finds
    /// "Vårdcentral" as FHIR string search asks (R4 search §3.1.1.4.8: case- and accent-insensitive prefix). Done
    /// here rather than in SQL so both backends fold alike.
    /// </summary>
    public static string FoldName(string name) => new([.. name.ToLowerInvariant().Select(c => c switch
    {
        'å' or 'ä' or 'á' or 'à' => 'a',
        'ö' or 'ó' or 'ø' => 'o',
        'é' or 'è' or 'ë' => 'e',
        'ü' or 'ú' => 'u',
        _ => c,
    })]);

    private sealed class OrganizationCodec : EntryCodec<DirectoryOrganization>
    {
        public override string ResourceType => "Organization";

        public override EntryColumns Columns(DirectoryOrganization o) => new(o.HsaId.Value, o.OrganizationNumber?.Value, o.PartOf?.Value, FoldName(o.Name));

        public override string ToJson(DirectoryOrganization o) => JsonSerializer.Serialize(
            new OrganizationRecord(o.HsaId.Value, o.Name, o.Role.ToString(), o.OrganizationNumber?.Value, o.PartOf?.Value, o.CareUnitKind, o.Active));

        public override DirectoryOrganization FromJson(string json)
        {
            var r = JsonSerializer.Deserialize<OrganizationRecord>(json)!;
            return new DirectoryOrganization(HsaId.Parse(r.HsaId), r.Name, Enum.Parse<OrganizationRole>(r.Role),
                r.OrganizationNumber is null ? null : OrganizationNumber.Parse(r.OrganizationNumber), r.PartOf is null ? null : HsaId.Parse(r.PartOf), r.CareUnitKind, r.Active);
        }

        private sealed record OrganizationRecord(string HsaId, string Name, string Role, string? OrganizationNumber, string? PartOf, string? CareUnitKind, bool Active);
    }

    private sealed class LocationCodec : EntryCodec<DirectoryLocation>
    {
        public override string ResourceType => "Location";

        public override EntryColumns Columns(DirectoryLocation l) => new(null, null, l.ManagingOrganization.Value, FoldName(l.Name));

        public override string ToJson(DirectoryLocation l) => JsonSerializer.Serialize(
            new LocationRecord(l.Id, l.Name, l.ManagingOrganization.Value, l.MunicipalityCode, l.City, l.Active));

        public override DirectoryLocation FromJson(string json)
        {
            var r = JsonSerializer.Deserialize<LocationRecord>(json)!;
            return new DirectoryLocation(r.Id, r.Name, HsaId.Parse(r.ManagingOrganization), r.MunicipalityCode, r.City, r.Active);
        }

        private sealed record LocationRecord(string Id, string Name, string ManagingOrganization, string MunicipalityCode, string? City, bool Active);
    }

    private sealed class HealthcareServiceCodec : EntryCodec<DirectoryHealthcareService>
    {
        public override string ResourceType => "HealthcareService";

        public override EntryColumns Columns(DirectoryHealthcareService s) => new(null, null, s.ProvidedBy.Value, FoldName(s.Name));

        public override string ToJson(DirectoryHealthcareService s) => JsonSerializer.Serialize(
            new ServiceRecord(s.Id, s.Name, s.ProvidedBy.Value, s.CareUnitKind, s.LocationId, s.Active));

        public override DirectoryHealthcareService FromJson(string json)
        {
            var r = JsonSerializer.Deserialize<ServiceRecord>(json)!;
            return new DirectoryHealthcareService(r.Id, r.Name, HsaId.Parse(r.ProvidedBy), r.CareUnitKind, r.LocationId, r.Active);
        }

        private sealed record ServiceRecord(string Id, string Name, string ProvidedBy, string CareUnitKind, string? LocationId, bool Active);
    }
}
