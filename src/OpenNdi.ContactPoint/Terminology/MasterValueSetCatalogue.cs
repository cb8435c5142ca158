using System.Collections.Frozen;
using Hl7.Fhir.Model;
using Hl7.Fhir.Serialization;
using OpenNdi.Fhir;

namespace OpenNdi.ContactPoint.Terminology;

/// <summary>A concept of the eHDSI Master Value Set Catalogue: its code system (canonical), code, English display and the value sets that list it.</summary>
public sealed record MvcConcept(string System, string Code, string Display, IReadOnlyList<string> ValueSets);

/// <summary>One value set of the catalogue as loaded: its name, canonical URL, business version, file and number of concepts.</summary>
public sealed record MvcValueSet(string Name, string Url, string? Version, string File, int ConceptCount);

/// <summary>
/// The eHDSI Master Value Set Catalogue (MVC), read from the ValueSet JSON files of the HL7 Europe package
/// <c>hl7.eu.terminology.ehdsi</c> (MVC 8.1.0 as package 0.2.0, each value set an enumerated
/// <c>compose.include[].concept</c> list with English displays). Production points it at the MVC the EU publishes; the
/// demo and the tests at ../shared/fhir-examples/terminology-ehdsi (source and commit in its SOURCES.md).
/// <para>
/// Code systems are indexed under one canonical URI each. The files name five of them as FHIR R4 does
/// (<c>http://snomed.info/sct</c>, <c>http://loinc.org</c>, <c>http://unitsofmeasure.org</c>,
/// <c>http://hl7.org/fhir/sid/icd-10</c>, <c>http://www.whocc.no/atc</c>; FHIR R4 terminologies.html §4.3), one as
/// the EDQM's own (<c>http://standardterms.edqm.eu</c>), and one wrongly: eHDSICountry 8.1.0 gives the HTML page
/// <c>http://terminology.hl7.org/5.3.0/CodeSystem-ISO3166Part1.html</c>, which is not a code system URI. Its codes are
/// ISO 3166-1 alpha-2, which FHIR R4 names <c>urn:iso:std:iso:3166</c>: they are indexed there (see
/// <see cref="SystemAliases"/>). Codes are kept as the files write them (ICD-10 with its dot, <c>E11.9</c>).
/// </para>
/// </summary>
public sealed class MasterValueSetCatalogue
{
    /// <summary>The canonical FHIR URI of ISO 3166-1 (FHIR R4 terminologies-systems).</summary>
    public const string Iso3166 = "urn:iso:std:iso:3166";

    /// <summary>
    /// Other names of the catalogue's code systems, each mapped to the canonical URI it is indexed under. A coding that
    /// uses one of them is found as if it used the canonical URI; the coding itself is never rewritten.
    /// </summary>
    public static readonly FrozenDictionary<string, string> SystemAliases = new Dictionary<string, string>(StringComparer.Ordinal)
    {
        // eHDSICountry 8.1.0: the compose.include.system is the THO 5.3.0 web page of the ISO 3166-1 code system, an upstream
        // defect (../shared/fhir-examples/SOURCES.md); the codes are ISO 3166-1 alpha-2.
        ["http://terminology.hl7.org/5.3.0/CodeSystem-ISO3166Part1.html"] = Iso3166,
        // ISO 3166-1 alpha-2 by its OID, as eHDSI CDA documents write it.
        ["urn:oid:1.0.3166.1.2.2"] = Iso3166,
        // SNOMED CT by its HL7 OID.
        ["urn:oid:2.16.840.1.113883.6.96"] = "http://snomed.info/sct",
        // LOINC by its HL7 OID.
        ["urn:oid:2.16.840.1.113883.6.1"] = "http://loinc.org",
        // UCUM by its HL7 OID.
        ["urn:oid:2.16.840.1.113883.6.8"] = "http://unitsofmeasure.org",
        // WHO ATC by its HL7 OID; http://www.whocc.no/atc is the FHIR R4 name and the catalogue's.
        ["urn:oid:2.16.840.1.113883.6.73"] = "http://www.whocc.no/atc",
        // WHO ICD-10 (international edition) by its HL7 OID. National modifications (ICD-10-SE, ICD-10-GM) are other code
        // systems with codes of their own and are deliberately not aliases.
        ["urn:oid:2.16.840.1.113883.6.3"] = "http://hl7.org/fhir/sid/icd-10",
        // EDQM Standard Terms by the OID the eHDSI CDA value sets use.
        ["urn:oid:0.4.0.127.0.16.1.1.2.1"] = "http://standardterms.edqm.eu",
    }.ToFrozenDictionary(StringComparer.Ordinal);

    private readonly FrozenDictionary<(string System, string Code), MvcConcept> _concepts;
    private readonly FrozenSet<string> _systems;

    /// <summary>Loads every <c>ValueSet-*.json</c> in <paramref name="directory"/>.</summary>
    /// <exception cref="DirectoryNotFoundException">The folder is not there.</exception>
    /// <exception cref="InvalidDataException">The folder holds no value set file, or a file is not a FHIR ValueSet with an enumerated compose (the message names the file).</exception>
    public MasterValueSetCatalogue(string directory)
    {
        ArgumentException.ThrowIfNullOrEmpty(directory);
        if (!Directory.Exists(directory))
            throw new DirectoryNotFoundException($"The eHDSI Master Value Set Catalogue folder {directory} is not there.");
        var files = Directory.GetFiles(directory, "ValueSet-*.json").Order(StringComparer.Ordinal).ToList();
        if (files.Count == 0)
            throw new InvalidDataException($"No eHDSI value set file (ValueSet-*.json) in {directory}.");

        var concepts = new Dictionary<(string, string), (string Display, List<string> ValueSets)>();
        var valueSets = new List<MvcValueSet>();
        foreach (var file in files)
        {
            var valueSet = Read(file);
            var name = valueSet.Name ?? valueSet.Id ?? Path.GetFileNameWithoutExtension(file);
            var count = 0;
            foreach (var include in valueSet.Compose!.Include)
            {
                if (string.IsNullOrEmpty(include.System))
                    throw new InvalidDataException($"{Path.GetFileName(file)}: a compose.include has no system.");
                var system = Canonical(include.System);
                foreach (var concept in include.Concept)
                {
                    if (string.IsNullOrEmpty(concept.Code))
                        continue;
                    count++;
                    var key = (system, concept.Code);
                    if (concepts.TryGetValue(key, out var known))
                        known.ValueSets.Add(name);   // e.g. the vaccine ATC codes, in eHDSIVaccine and eHDSIActiveIngredient alike
                    else
                        concepts[key] = (concept.Display ?? "", [name]);
                }
            }
            valueSets.Add(new MvcValueSet(name, valueSet.Url ?? "", valueSet.Version, Path.GetFileName(file), count));
        }

        _concepts = concepts.ToFrozenDictionary(kv => kv.Key, kv => new MvcConcept(kv.Key.Item1, kv.Key.Item2, kv.Value.Display, kv.Value.ValueSets));
        _systems = concepts.Keys.Select(k => k.Item1).ToFrozenSet(StringComparer.Ordinal);
        ValueSets = valueSets;
    }

    /// <summary>The value sets loaded, in file name order.</summary>
    public IReadOnlyList<MvcValueSet> ValueSets { get; }

    /// <summary>Distinct (system, code) pairs over all value sets.</summary>
    public int ConceptCount => _concepts.Count;

    /// <summary>The canonical URIs of the code systems the catalogue draws on.</summary>
    public IReadOnlyCollection<string> Systems => _systems;

    /// <summary>The canonical URI a system is indexed under: its alias target (<see cref="SystemAliases"/>), else itself.</summary>
    public static string Canonical(string system) => SystemAliases.TryGetValue(system, out var canonical) ? canonical : system;

    /// <summary>Whether the catalogue has any value set drawing on <paramref name="system"/> (or an alias of it).</summary>
    public bool Covers(string? system) => !string.IsNullOrEmpty(system) && _systems.Contains(Canonical(system));

    /// <summary>The concept for <paramref name="system"/> (or an alias of it) and <paramref name="code"/>, matched exactly, or null.</summary>
    public MvcConcept? Find(string? system, string? code) =>
        string.IsNullOrEmpty(system) || string.IsNullOrEmpty(code) ? null
        : _concepts.GetValueOrDefault((Canonical(system), code));

    private static ValueSet Read(string file)
    {
        Resource resource;
        try
        {
            resource = FhirJson.Parse(File.ReadAllText(file));
        }
        catch (Exception ex) when (ex is DeserializationFailedException or System.Text.Json.JsonException or InvalidOperationException)
        {
            throw new InvalidDataException($"{Path.GetFileName(file)} is not a FHIR resource in JSON: {ex.Message}", ex);
        }
        if (resource is not ValueSet valueSet)
            throw new InvalidDataException($"{Path.GetFileName(file)} is a {resource.TypeName}, not a ValueSet: it cannot be read as part of the eHDSI Master Value Set Catalogue.");
        if (valueSet.Compose is null || valueSet.Compose.Include.Count == 0)
            throw new InvalidDataException($"{Path.GetFileName(file)}: the ValueSet {valueSet.Url} has no compose.include; the catalogue's value sets enumerate their concepts.");
        return valueSet;
    }
}
