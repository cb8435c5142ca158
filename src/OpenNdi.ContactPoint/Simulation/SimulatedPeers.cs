using OpenNdi.ContactPoint.Domain;
using OpenNdi.ContactPoint.Trust;

namespace OpenNdi.ContactPoint.Simulation;

/// <summary>The simulated contact points the host serves, one per country, each with its own trust list and dispensation state.</summary>
public sealed class SimulatedPeers : IDisposable
{
    private readonly Dictionary<string, SimulatedPeer> _peers;

    public SimulatedPeers(SimulatedPeerOptions options, TimeProvider time)
    {
        _peers = SimulatedPopulation.All(options.Seed).ToDictionary(c => c.RouteCode, c => new SimulatedPeer(c, options, time), StringComparer.Ordinal);
    }

    public IReadOnlyList<SimulatedPeerCountry> Countries => [.. _peers.Values.Select(p => p.Country)];

    /// <summary>The peer's NCPeH base URL (its <c>aud</c>), for Sweden's <c>ContactPoint:Peers</c>.</summary>
    public string BaseUrl(string countryCode) => _peers[countryCode.ToLowerInvariant()].BaseUrl;

    internal SimulatedPeer? Find(string routeCode) => _peers.GetValueOrDefault(routeCode);

    public void Dispose()
    {
        foreach (var peer in _peers.Values)
            peer.Trust.Dispose();
    }
}

/// <summary>One simulated contact point: its country, its base URL, its trust in Sweden, and what it has dispensed.</summary>
internal sealed class SimulatedPeer
{
    private readonly Dictionary<string, (SimulatedPatient Patient, SimulatedPrescription? Prescription)> _documents = new(StringComparer.Ordinal);

    public SimulatedPeer(SimulatedPeerCountry country, SimulatedPeerOptions options, TimeProvider time)
    {
        Country = country;
        BaseUrl = SimulatedPeerOptions.PeerBaseUrl(options.CountryBaseUrls.TryGetValue(country.Code, out var own) ? own : options.PublicBaseUrl, country.Code);
        Trust = PeerTrustList.Load(options.TrustFor(BaseUrl));
        Sweden = Trust.Find(SimulatedPeerOptions.SwedenId)!;
        Authentication = new PeerAuthentication(Trust, time);
        Assertions = new CrossBorderAssertionValidator(Trust, time);
        foreach (var patient in country.Patients)
        {
            _documents[SimulatedDocuments.SummaryId(country, patient)] = (patient, null);
            foreach (var prescription in patient.Prescriptions)
                _documents[SimulatedDocuments.PrescriptionDocumentId(country, prescription)] = (patient, prescription);
        }
    }

    public SimulatedPeerCountry Country { get; }

    public string BaseUrl { get; }

    public PeerTrustList Trust { get; }

    public Peer Sweden { get; }

    public PeerAuthentication Authentication { get; }

    public CrossBorderAssertionValidator Assertions { get; }

    public SimulatedDispensations Dispensations { get; } = new();

    public (SimulatedPatient Patient, SimulatedPrescription? Prescription)? Document(string id) =>
        _documents.TryGetValue(id, out var document) ? document : null;

    public (SimulatedPatient Patient, SimulatedPrescription Prescription)? Prescription(string id) =>
        Country.Patients.SelectMany(p => p.Prescriptions.Select(r => (p, r))).Where(x => x.r.Id == id).Select(x => ((SimulatedPatient, SimulatedPrescription)?)x).FirstOrDefault();
}
