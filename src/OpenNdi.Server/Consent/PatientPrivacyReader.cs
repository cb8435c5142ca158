using System.Collections.Concurrent;
using OpenNdi.Core.Identifiers;
using OpenNdi.Core.Policy;
using OpenNdi.Data.Consent;
using OpenNdi.Data.Population;
using OpenNdi.Fhir;

namespace OpenNdi.Server.Consent;

/// <summary>
/// Gathers what the policy decides on for one patient: their consents in force (opt-outs, blocks, proxies) and
/// their guardians from the population register. Read fresh for every decision, so a revocation applies at once;
/// the index lookup reads the consents in the same round trip as its entries (<see cref="ConsentsRead"/>).
/// What a stored consent means is worked out once per stored text (<see cref="Compiled"/>): the text is the key, so a
/// changed consent is a new key and can never be served from an older reading.
/// </summary>
internal sealed class PatientPrivacyReader(ConsentStore consents, IPopulationStore population)
{
    /// <summary>Stored consent texts already read, by their exact JSON; emptied when it holds <see cref="MaxCompiled"/>.</summary>
    private readonly ConcurrentDictionary<string, ParsedConsent> _compiled = new(StringComparer.Ordinal);

    private const int MaxCompiled = 20_000;

    /// <param name="withGuardians">Read the guardians too: only a person's request can be a guardian's.</param>
    public async Task<PatientPrivacy> ReadAsync(PersonalIdentityNumber patient, CancellationToken cancellationToken, bool withGuardians = true) =>
        await FromAsync(patient, await consents.ListAsync(patient, cancellationToken), withGuardians, cancellationToken);

    /// <summary>The patient's stored consents as a read to run in one round trip with another store's (the index lookup's).</summary>
    public OpenNdi.Data.StoreRead<IReadOnlyList<StoredConsent>> ConsentsRead(PersonalIdentityNumber patient) => consents.ListRead(patient);

    /// <summary>The facts from the consents <see cref="ConsentsRead"/> read, with the guardians when asked for.</summary>
    public async Task<PatientPrivacy> FromAsync(PersonalIdentityNumber patient, IReadOnlyList<StoredConsent> stored, bool withGuardians, CancellationToken cancellationToken)
    {
        var blocks = new List<Block>();
        var proxies = new List<Proxy>();
        var shares = new List<Share>();
        bool primaryOptOut = false, secondaryOptOut = false, researchContactOptOut = false;
        foreach (var consent in stored.Where(c => c.Active))
        {
            // Stored consents were validated when written. One that no longer reads stops the decision (fail closed):
            // skipping it could silently drop an opt-out or a block.
            var parsed = Compiled(consent);
            switch (parsed?.Kind)
            {
                case "optout-primary": primaryOptOut = true; break;
                case "optout-secondary": secondaryOptOut = true; break;
                case "optout-research-contact": researchContactOptOut = true; break;
                case "block": blocks.Add(parsed.Block!); break;
                case "proxy": proxies.Add(parsed.Proxy!); break;
                case "share": shares.Add(parsed.Share!); break;
            }
        }
        var guardians = withGuardians ? await population.GuardiansOfAsync(patient, cancellationToken) : [];
        var isProtected = withGuardians && guardians.Count > 0 && await population.IsProtectedAsync(patient, cancellationToken);
        return new PatientPrivacy(patient, patient.BirthDate, primaryOptOut, secondaryOptOut, blocks, proxies, guardians)
        {
            ResearchContactOptOut = researchContactOptOut,
            ProtectedIdentity = isProtected,
            Shares = shares,
        };
    }

    /// <summary>What a stored consent says, read with Firely the first time its text is seen.</summary>
    private ParsedConsent Compiled(StoredConsent consent)
    {
        if (_compiled.TryGetValue(consent.Json, out var known))
            return known;
        var (parsed, error, _) = ConsentResources.Read(FhirJson.Parse<Hl7.Fhir.Model.Consent>(consent.Json));
        if (parsed is null)
            throw new InvalidOperationException($"Consent {consent.Id} of a patient no longer reads ({error}); refusing to decide on partial facts.");
        if (_compiled.Count >= MaxCompiled)
            _compiled.Clear();
        _compiled[consent.Json] = parsed;
        return parsed;
    }

    /// <summary>
    /// Whether <paramref name="person"/> is the patient or may act for them at <paramref name="at"/> (a guardian of a
    /// young child, an active proxy), and the representation when they act for someone else.
    /// </summary>
    public async Task<(bool May, Representation? ActingAs)> PersonMayActForAsync(PersonalIdentityNumber person, PersonalIdentityNumber patient, DateTimeOffset at, CancellationToken cancellationToken)
    {
        if (person == patient)
            return (true, null);
        var representation = Representatives.Find(person, await ReadAsync(patient, cancellationToken), at);
        return (representation is not null, representation);
    }
}
