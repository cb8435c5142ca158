using System.Formats.Tar;
using System.IO.Compression;
using Firely.Fhir.Validation;
using Hl7.Fhir.Model;
using Hl7.Fhir.Serialization;
using Hl7.Fhir.Specification.Source;
using Hl7.Fhir.Specification.Terminology;

namespace OpenNdi.Fhir.Validation;

/// <summary>
/// Validates FHIR R4 resources against the HL7 International Patient Summary profiles (hl7.fhir.uv.ips
/// 2.0.0-ballot) with the Firely profile validator, offline: the definitions come from the IPS package, the two
/// extension definitions it walks into, and the R4 core specification (<c>specification.zip</c> of
/// Hl7.Fhir.Specification.Data.R4). Where <see cref="FhirDocumentValidator"/> checks the document rules we wrote
/// down by hand, this checks the profiles themselves: cardinalities, fixed and pattern values, slices, invariants,
/// required bindings the local definitions can decide.
/// </summary>
/// <remarks>
/// <para>No terminology server is used. Bindings are checked against the value sets and code systems at hand (the
/// core specification and the IPS package, plus the SDK's checks of the implicit core sets: MIME types, languages,
/// UCUM); a binding to a value set that is not there, or that needs a code system that is not there to expand
/// (SNOMED CT, LOINC as a whole), cannot be decided, and the validator says so as a warning, never an error. The
/// IPS package's own dependencies (<c>hl7.terminology.r4</c>, <c>hl7.fhir.uv.extensions.r4</c>) are not available
/// here (see ../shared/fhir-packages/SOURCES.md): an extension they define resolves to nothing, also a warning
/// (an error when it is a modifier extension). Structural problems stay errors.</para>
/// <para>Compiling the profiles into the validator's schemas costs several seconds on the first validation, once per
/// instance; after that a bundle takes tens of milliseconds. Keep one instance per process. It is thread-safe:
/// callers that arrive during the first validation wait for it, the resolvers cache behind locks, the validator
/// caches compiled schemas in a concurrent dictionary, and the one step not documented as safe to run concurrently
/// (generating the extensions' snapshots) is done in the constructor.</para>
/// </remarks>
public sealed class IpsProfileValidator
{
    /// <summary>The IPS package in the packages directory, an NPM package as the IG publisher builds it.</summary>
    public const string IpsPackageFile = "hl7.fhir.uv.ips-2.0.0-ballot.tgz";

    /// <summary>The folder of extension definitions (differential only) in the packages directory.</summary>
    public const string ExtensionsFolder = "extensions-r4";

    private const string IpsNamespace = "http://hl7.org/fhir/uv/ips/";
    private const string CoreNamespace = "http://hl7.org/fhir/StructureDefinition/";

    private readonly Validator _validator;
    private readonly CachedResolver _resolver;
    private readonly System.Collections.Concurrent.ConcurrentDictionary<string, bool> _resolvable = new(StringComparer.Ordinal);
    private readonly Lock _firstValidation = new();
    private volatile bool _compiled;

    /// <param name="packagesDirectory">The folder holding <see cref="IpsPackageFile"/> and <see cref="ExtensionsFolder"/>
    /// (in this repository's workspace, ../shared/fhir-packages).</param>
    /// <exception cref="FileNotFoundException">The IPS package or the core specification.zip is missing.</exception>
    /// <exception cref="DirectoryNotFoundException">The extensions folder is missing.</exception>
    public IpsProfileValidator(string packagesDirectory)
    {
        ArgumentException.ThrowIfNullOrEmpty(packagesDirectory);
        var package = Path.Combine(packagesDirectory, IpsPackageFile);
        var extensionsFolder = Path.Combine(packagesDirectory, ExtensionsFolder);
        if (!File.Exists(package))
            throw new FileNotFoundException($"The IPS package {IpsPackageFile} is not in {packagesDirectory}.", package);
        if (!Directory.Exists(extensionsFolder))
            throw new DirectoryNotFoundException($"The extension definitions folder {ExtensionsFolder} is not in {packagesDirectory}.");

        var core = CoreSpecification();
        // The package is read into memory rather than unpacked to disk: it is small (~80 definitions), and nothing is
        // left to clean up or to race over when several test processes start at once.
        var ips = new InMemoryResourceResolver(ReadPackage(package));
        // The extension definitions carry a differential only; the snapshot source generates their snapshots from
        // the core definitions they derive from.
        var extensionFiles = new DirectorySource(extensionsFolder);
        var extensions = new SnapshotSource(new MultiResolver(extensionFiles, core));
        // Definitions read from files never change while the process runs: cache them for good, not the default 4 hours.
        var resolver = new CachedResolver(new MultiResolver(core, ips, extensions), cacheDuration: int.MaxValue);

        // Generate the extensions' snapshots now, on one thread: the snapshot generator is not documented as safe for
        // concurrent use, and once cached the snapshot source is never asked again.
        foreach (var url in extensionFiles.ListResourceUris(ResourceType.StructureDefinition))
        {
            if (extensionFiles.ResolveByUri(url) is StructureDefinition { Url: { } canonical }
                && resolver.TryResolveByCanonicalUriAsync(canonical).GetAwaiter().GetResult().Value is not StructureDefinition { HasSnapshot: true })
                throw new InvalidOperationException($"No snapshot could be generated for the extension {canonical} in {extensionsFolder}.");
        }

        _resolver = resolver;
        var settings = new ValidationSettings
        {
            // A terminology service failure means the binding could not be decided offline (see the remarks), not that the code is wrong.
            HandleValidateCodeServiceFailure = (_, _) => TerminologyServiceExceptionResult.Warning,
            // A provider's resource may claim profiles of guides not packaged here (HL7 Europe laboratory, EPS, MPD; a
            // national guide): those claims are the provider's and cannot be checked offline, so they are skipped. A
            // claim in the IPS or core namespace is always checked, so a profile IPS does not define is still an error.
            SelectValidationProfiles = (_, profiles, _, _) => [.. profiles.Where(p => p.Uri is { } uri && IsCheckable(uri))],
        };
        _validator = new Validator(resolver, TerminologyServiceFactory.CreateDefaultForCore(resolver), referenceResolver: null, settings);
    }

    /// <summary>Validates <paramref name="resource"/> against the profile <paramref name="profileUrl"/> (and, as FHIR asks, against the profiles it declares in meta.profile and its base definition).</summary>
    /// <remarks>
    /// For a Bundle against <see cref="IpsProfiles.Bundle"/>, the validator can say only that no entry matched the
    /// required slice <c>entry:composition</c> or <c>entry:patient</c>, not why. When the bundle has errors, the
    /// document's Composition and its subject Patient are therefore also validated on their own against their slice's
    /// profile, and what that finds is added, located in the bundle. On their own their references to other
    /// entries do not resolve, so a referenced entry that breaks its target profile is not named there; its
    /// structural errors are already reported where it stands.
    /// </remarks>
    public ProfileValidationResult Validate(Resource resource, string profileUrl)
    {
        ArgumentNullException.ThrowIfNull(resource);
        ArgumentException.ThrowIfNullOrEmpty(profileUrl);
        var outcome = Run(resource, profileUrl);
        if (resource is Bundle bundle && profileUrl == IpsProfiles.Bundle && HasErrors(outcome))
            ExplainRequiredSlices(bundle, outcome);
        return new ProfileValidationResult(profileUrl, outcome);
    }

    /// <summary>
    /// Validates <paramref name="resource"/> against the profiles it declares in meta.profile (those of guides not
    /// packaged here skipped, <see cref="IsCheckable"/>); a Bundle that declares none is validated against
    /// <see cref="IpsProfiles.Bundle"/>, any other resource against its base definition.
    /// </summary>
    public ProfileValidationResult Validate(Resource resource)
    {
        ArgumentNullException.ThrowIfNull(resource);
        var declared = resource.Meta?.Profile.FirstOrDefault(p => !string.IsNullOrEmpty(p) && IsCheckable(p));
        if (declared is not null)
            return Validate(resource, declared);   // the other declared profiles are validated too (meta.profile)
        if (resource is Bundle)
            return Validate(resource, IpsProfiles.Bundle);
        return Validate(resource, CoreNamespace + resource.TypeName);
    }

    /// <summary>
    /// Whether a claimed profile is checked here: always in the IPS and core namespaces (a name IPS does not define is
    /// an error), otherwise only when its definition is at hand.
    /// </summary>
    private bool IsCheckable(string canonical) =>
        canonical.StartsWith(IpsNamespace, StringComparison.Ordinal) || canonical.StartsWith(CoreNamespace, StringComparison.Ordinal)
        || _resolvable.GetOrAdd(canonical, url => _resolver.TryResolveByCanonicalUriAsync(url).GetAwaiter().GetResult().Success);

    /// <summary>Adds the findings of the Composition (bdl-11: the first entry) and its subject Patient, each validated against its Bundle-uv-ips slice's profile.</summary>
    private void ExplainRequiredSlices(Bundle bundle, OperationOutcome outcome)
    {
        if (bundle.Entry.Count == 0 || bundle.Entry[0]?.Resource is not Composition composition)
            return;
        var seen = outcome.Issue.Select(Key).ToHashSet();
        Add(composition, 0, IpsProfiles.Composition);
        if (new BundleReferences(bundle).IndexOf(composition.Subject, bundle.Entry[0].FullUrl) is { } patientIndex && bundle.Entry[patientIndex].Resource is Patient patient)
            Add(patient, patientIndex, IpsProfiles.Patient);

        void Add(Resource resource, int index, string profile)
        {
            // Standalone locations start with the resource type; in the bundle Firely writes Bundle.entry[i].resource[0].
            var root = $"Bundle.entry[{index}].resource[0]";
            foreach (var issue in Run(resource, profile).Issue)
            {
                issue.Expression = [.. issue.Expression.Select(e => Relocate(e, resource.TypeName, root))];
                issue.Location = [.. issue.Location.Select(e => Relocate(e, resource.TypeName, root))];
                if (seen.Add(Key(issue)))
                    outcome.Issue.Add(issue);
            }
        }
    }

    /// <summary>
    /// The first validation compiles most of the schemas (seconds). The validator's schema cache adds a schema once
    /// it is compiled, so callers arriving meanwhile would each compile the same schemas again, all of them slower
    /// for it; they wait for the first one instead. Later validations run concurrently.
    /// </summary>
    private OperationOutcome Run(Resource resource, string profile)
    {
        if (_compiled)
            return _validator.Validate(resource, profile);
        lock (_firstValidation)
        {
            var outcome = _validator.Validate(resource, profile);
            _compiled = true;
            return outcome;
        }
    }

    private static string? Relocate(string? path, string typeName, string root) =>
        path is null ? null : path == typeName ? root : path.StartsWith(typeName + ".", StringComparison.Ordinal) ? root + path[typeName.Length..] : path;

    private static (OperationOutcome.IssueSeverity?, string?, string) Key(OperationOutcome.IssueComponent issue) =>
        (issue.Severity, issue.Details?.Text, string.Join(",", issue.Expression));

    private static bool HasErrors(OperationOutcome outcome) =>
        outcome.Issue.Any(i => i.Severity is OperationOutcome.IssueSeverity.Error or OperationOutcome.IssueSeverity.Fatal);

    /// <summary>
    /// The core specification (Hl7.Fhir.Specification.Data.R4 copies specification.zip beside the binaries). The
    /// SDK unpacks it to a cache folder under the temp directory the first time; that step is not safe across
    /// processes (two test runs starting at once would unpack over each other), so it runs under a machine-wide mutex.
    /// </summary>
    private static ZipSource CoreSpecification()
    {
        var source = ZipSource.CreateValidationSource();
        if (!File.Exists(source.ZipPath))
            throw new FileNotFoundException("The FHIR R4 core specification.zip (package Hl7.Fhir.Specification.Data.R4) is not beside the binaries.", source.ZipPath);
        using var gate = new Mutex(initiallyOwned: false, "OpenNdi.FhirSpecificationZip");
        try
        {
            gate.WaitOne();
        }
        catch (AbandonedMutexException)
        {
            // A process died holding it; this one owns it now and goes on.
        }
        try
        {
            source.Prepare();
        }
        finally
        {
            gate.ReleaseMutex();
        }
        return source;
    }

    /// <summary>The conformance resources at the package's top level (package/*.json); its examples (package/example/) and NPM metadata are left out.</summary>
    private static List<Resource> ReadPackage(string path)
    {
        var resources = new List<Resource>();
        var parser = new FhirJsonDeserializer();
        using var file = File.OpenRead(path);
        using var gzip = new GZipStream(file, CompressionMode.Decompress);
        using var tar = new TarReader(gzip);
        while (tar.GetNextEntry() is { } entry)
        {
            var name = entry.Name;
            if (entry.EntryType is not (TarEntryType.RegularFile or TarEntryType.V7RegularFile) || entry.DataStream is null
                || !name.StartsWith("package/", StringComparison.Ordinal) || name.IndexOf('/', "package/".Length) >= 0
                || !name.EndsWith(".json", StringComparison.Ordinal) || name is "package/package.json" || name.EndsWith(".index.json", StringComparison.Ordinal))
                continue;
            using var reader = new StreamReader(entry.DataStream);
            var resource = parser.DeserializeResource(reader.ReadToEnd());
            if (resource is StructureDefinition definition)
                DropCommonChildrenOfChoices(definition);
            resources.Add(resource);
        }
        return resources;
    }

    /// <summary>
    /// Works around a false error of Firely.Fhir.Validation 3.6.0. Seven IPS profiles allow a data-absent-reason
    /// extension on a choice element of several types (MedicationStatement.effective[x], Observation.effective[x],
    /// DiagnosticReport.effective[x], Procedure.performed[x], Immunization.occurrence[x], DeviceUseStatement.timing[x]),
    /// so their snapshots list that element's common children: id, extension and the extension slice. The validator
    /// takes those as all the children the element may have, whatever type the instance chose, and rejects a Period's
    /// start and end as unknown ("Encountered unknown child elements 'start'"): every effectivePeriod, including
    /// the published examples' once they declare the profile. Those children are dropped from the snapshot when they
    /// are only id and extension, so the chosen type's own definition applies; the only rule lost is that the slice
    /// allows one data-absent-reason extension, which itself is still validated against its definition.
    /// </summary>
    private static void DropCommonChildrenOfChoices(StructureDefinition definition)
    {
        if (definition.Snapshot?.Element is not { } elements)
            return;
        foreach (var choice in elements.Where(e => e.Path?.EndsWith("[x]", StringComparison.Ordinal) == true && e.Type.Count > 1).Select(e => e.Path!).Distinct().ToList())
        {
            var children = elements.Where(e => e.Path?.StartsWith(choice + ".", StringComparison.Ordinal) == true).ToList();
            if (children.Count > 0 && children.All(c => c.Path == choice + ".id" || c.Path == choice + ".extension" || c.Path!.StartsWith(choice + ".extension.", StringComparison.Ordinal)))
                elements.RemoveAll(children.Contains);
        }
    }
}
