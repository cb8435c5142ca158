using OpenNdi.Core.Population;
using OpenNdi.Data.Simulator;

namespace OpenNdi.Synthetic;

/// <summary>A run of consecutive persons, generated and serialised, ready to store.</summary>
public sealed record GeneratedBatch(long FirstIndex, IReadOnlyList<Person> Persons, IReadOnlyList<Guardianship> Guardianships, IReadOnlyList<StoredResource> Resources);
