using System.Security.Cryptography;
using System.Text;
using OpenNdi.Synthetic;

namespace OpenNdi.Synthetic.Tests;

public class GeneratorDeterminismTests
{
    private static SeedOptions Options(ulong seed, long persons = 400) => new(persons, 12, seed, SeedOptions.DefaultReferenceDate);

    /// <summary>
    /// Everything a seed produces, as three ordered streams (register entries, guardianships, resources' JSON), each
    /// hashed on its own so that how the streams were cut into batches does not matter.
    /// </summary>
    internal static async Task<string> FingerprintAsync(SeedOptions options, int batchSize = PopulationGenerator.DefaultBatchSize, int parallelism = 0)
    {
        using var persons = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        using var guardianships = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        using var resources = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        var generator = new PopulationGenerator(options);
        foreach (var row in generator.OrganizationResources())
            resources.AppendData(Encoding.UTF8.GetBytes(row.ToString()));
        await foreach (var batch in generator.GenerateAsync(batchSize, parallelism))
        {
            foreach (var person in batch.Persons)
                persons.AppendData(Encoding.UTF8.GetBytes(person.ToString()));
            foreach (var guardianship in batch.Guardianships)
                guardianships.AppendData(Encoding.UTF8.GetBytes(guardianship.ToString()));
            foreach (var resource in batch.Resources)
                resources.AppendData(Encoding.UTF8.GetBytes(resource.ToString()));
        }
        return string.Join('-', Convert.ToHexString(persons.GetHashAndReset()), Convert.ToHexString(guardianships.GetHashAndReset()), Convert.ToHexString(resources.GetHashAndReset()));
    }

    [Fact]
    public async Task Generate_WhenRunTwiceWithTheSameSeed_IsByteIdentical()
    {
        var first = await FingerprintAsync(Options(42));
        var second = await FingerprintAsync(Options(42));

        Assert.Equal(first, second);
    }

    [Fact]
    public async Task Generate_WhenBatchingAndParallelismDiffer_IsStillByteIdentical()
    {
        var parallel = await FingerprintAsync(Options(42), batchSize: 37, parallelism: 4);
        var sequential = await FingerprintAsync(Options(42), batchSize: 400, parallelism: 1);

        Assert.Equal(parallel, sequential);
    }

    [Fact]
    public async Task Generate_WhenTheSeedDiffers_GivesAnotherPopulation()
    {
        Assert.NotEqual(await FingerprintAsync(Options(42)), await FingerprintAsync(Options(43)));
    }

    [Fact]
    public void Generate_WhenAPersonIsRegeneratedAlone_MatchesTheSamePersonInABatch()
    {
        var generator = new PopulationGenerator(Options(5));
        var batch = generator.GenerateBatch(100, 50);
        var alone = generator.GenerateBatch(123, 1);

        Assert.Equal(batch.Persons[23], alone.Persons[0]);
        Assert.Equal(
            batch.Resources.Where(r => alone.Resources.Any(a => a.ProviderKey == r.ProviderKey && a.Id == r.Id && a.ResourceType == r.ResourceType)),
            alone.Resources);
    }
}
