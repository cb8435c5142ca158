using System.Runtime.CompilerServices;
using Microsoft.Extensions.Time.Testing;
using OpenNdi.SecondaryUse.Ports;
using OpenNdi.SecondaryUse.Preparation;
using OpenNdi.SecondaryUse.Workspaces;

namespace OpenNdi.SecondaryUse.Tests;

/// <summary>The population register in memory; each read advances the clock by <paramref name="takes"/> when given one.</summary>
internal sealed class FakeRegister(IReadOnlyList<RegisteredPerson> persons, FakeTimeProvider? clock = null, TimeSpan takes = default) : IPopulationRegister
{
    public async IAsyncEnumerable<RegisteredPerson> PersonsAsync([EnumeratorCancellation] CancellationToken cancellationToken)
    {
        clock?.Advance(takes);
        foreach (var person in persons)
        {
            cancellationToken.ThrowIfCancellationRequested();
            yield return person;
        }
        await Task.CompletedTask;
    }
}

/// <summary>
/// The holders' event rows in memory, by dataset. It keeps the port's promise of the period unless
/// <paramref name="ignoresPeriod"/>, to show the preparation does not rely on it.
/// </summary>
internal sealed class FakeHolders(IReadOnlyDictionary<string, IReadOnlyList<HeldRow>> rows, bool ignoresPeriod = false, FakeTimeProvider? clock = null, TimeSpan takes = default) : IHolderData
{
    public List<string> Asked { get; } = [];

    public Task<IReadOnlyList<HeldDataset>> DatasetsAsync(CancellationToken cancellationToken) => throw new NotSupportedException("the preparation is given its datasets");

    public async IAsyncEnumerable<HeldRow> RowsAsync(string datasetId, DateOnly from, DateOnly to, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        Asked.Add(datasetId);
        clock?.Advance(takes);
        foreach (var row in rows.GetValueOrDefault(datasetId) ?? [])
        {
            if (ignoresPeriod || (row.Date >= from && row.Date <= to))
                yield return row;
        }
        await Task.CompletedTask;
    }
}

internal sealed class FakeObjections(IReadOnlySet<string> objecting, FakeTimeProvider? clock = null, TimeSpan takes = default) : ISecondaryUseObjections
{
    public int Reads { get; private set; }

    public Task<IReadOnlySet<string>> ObjectingPersonsAsync(CancellationToken cancellationToken)
    {
        Reads++;
        clock?.Advance(takes);
        return Task.FromResult(objecting);
    }
}

/// <summary>A workspace in memory: what was written, what was removed, and whether it was completed.</summary>
internal sealed class FakeWriter : IExtractWriter
{
    public List<ExtractEvent> Events { get; } = [];

    public List<ExtractPerson> Persons { get; } = [];

    public List<string> Removed { get; } = [];

    public int RemoveCalls { get; private set; }

    public bool Completed { get; private set; }

    public ValueTask WriteEventAsync(ExtractEvent row, CancellationToken cancellationToken)
    {
        Assert.False(Completed, "written after completion");
        Events.Add(row);
        return ValueTask.CompletedTask;
    }

    public ValueTask WritePersonAsync(ExtractPerson row, CancellationToken cancellationToken)
    {
        Assert.False(Completed, "written after completion");
        Persons.Add(row);
        return ValueTask.CompletedTask;
    }

    public Task RemoveSubjectsAsync(IReadOnlyCollection<string> subjects, CancellationToken cancellationToken)
    {
        RemoveCalls++;
        Removed.AddRange(subjects);
        Events.RemoveAll(e => subjects.Contains(e.Subject));
        return Task.CompletedTask;
    }

    public Task CompleteAsync(CancellationToken cancellationToken)
    {
        Completed = true;
        return Task.CompletedTask;
    }

    public ValueTask DisposeAsync() => ValueTask.CompletedTask;
}

internal sealed class FakeIncluded : IIncludedPersons
{
    public List<(string Permit, IReadOnlyList<string> Persons)> Batches { get; } = [];

    public IEnumerable<string> Persons => Batches.SelectMany(b => b.Persons);

    public Task AddAsync(string permit, IReadOnlyList<string> persons, CancellationToken cancellationToken)
    {
        Batches.Add((permit, [.. persons]));
        return Task.CompletedTask;
    }
}
