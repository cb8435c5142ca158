using System.Runtime.CompilerServices;
using System.Threading.Channels;
using OpenNdi.Core.Population;
using OpenNdi.Data.Simulator;
using OpenNdi.Synthetic.History;
using OpenNdi.Synthetic.Population;
using OpenNdi.Synthetic.Providers;

namespace OpenNdi.Synthetic;

/// <summary>
/// Generates a whole synthetic population with histories, in order, using every core. Batches are generated in
/// parallel but handed out in index order, and at most a few batches are in flight, so memory stays flat however
/// large the population is, and the output is byte-identical for a seed whatever the machine.
/// </summary>
public sealed class PopulationGenerator
{
    public const int DefaultBatchSize = 250;

    private readonly PopulationModel _population;
    private readonly HistoryGenerator _history;

    public PopulationGenerator(SeedOptions options)
    {
        if (options.Validate() is { } problem)
            throw new ArgumentException(problem, nameof(options));
        Options = options;
        Providers = ProviderCatalog.Build(options.Providers, options.Seed);
        _population = new PopulationModel(options);
        _history = new HistoryGenerator(options, new CareNetwork(Providers));
    }

    public SeedOptions Options { get; }

    public IReadOnlyList<SimulatedProvider> Providers { get; }

    /// <summary>Each provider's Organization resources: the provider itself and its care units (partOf the provider).</summary>
    public IReadOnlyList<StoredResource> OrganizationResources() =>
    [
        .. Providers.SelectMany(p => p.CareUnits
            .Select(u => FhirFactory.Organization(u.HsaId, u.Name, p.HsaId, p.Name))
            .Prepend(FhirFactory.Organization(p.HsaId, p.Name, null, null))
            .Select(o => ResourceRows.From(p.Key, o, null, null))),
    ];

    /// <summary>Generates persons [first, first + count) with their histories.</summary>
    public GeneratedBatch GenerateBatch(long first, int count)
    {
        var persons = new List<Person>(count);
        var guardianships = new List<Guardianship>();
        var resources = new List<StoredResource>(count * 60);
        for (var index = first; index < first + count; index++)
        {
            var person = _population.PersonAt(index);
            persons.Add(person.Person);
            guardianships.AddRange(person.Guardians.Select(g => new Guardianship(person.Person.Id, g)));
            foreach (var chart in _history.Generate(person))
            {
                foreach (var resource in chart.Resources)
                {
                    var identifier = ReferenceEquals(resource, chart.Patient) ? person.Person.Id.Value : null;
                    resources.Add(ResourceRows.From(chart.Provider.Key, resource, chart.PatientId, identifier));
                }
            }
        }
        return new GeneratedBatch(first, persons, guardianships, resources);
    }

    /// <summary>All batches in index order, generated on <paramref name="parallelism"/> workers.</summary>
    public async IAsyncEnumerable<GeneratedBatch> GenerateAsync(int batchSize = DefaultBatchSize, int parallelism = 0,
        [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        parallelism = parallelism > 0 ? parallelism : Environment.ProcessorCount;
        // The channel holds tasks in index order; its bound is what keeps memory flat.
        var pending = Channel.CreateBounded<Task<GeneratedBatch>>(new BoundedChannelOptions(parallelism * 2) { SingleReader = true, SingleWriter = true });
        var producer = Task.Run(async () =>
        {
            try
            {
                for (long first = 0; first < _population.Count; first += batchSize)
                {
                    var start = first;
                    var count = (int)Math.Min(batchSize, _population.Count - first);
                    var task = Task.Run(() => GenerateBatch(start, count), cancellationToken);
                    await pending.Writer.WriteAsync(task, cancellationToken);
                }
                pending.Writer.Complete();
            }
            catch (Exception ex)
            {
                pending.Writer.Complete(ex);
            }
        }, cancellationToken);

        await foreach (var task in pending.Reader.ReadAllAsync(cancellationToken))
            yield return await task;
        await producer;
    }
}
