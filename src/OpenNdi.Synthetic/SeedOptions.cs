namespace OpenNdi.Synthetic;

/// <summary>What to generate. Everything generated is a pure function of these values.</summary>
/// <param name="Persons">Number of persons in the population.</param>
/// <param name="Providers">Number of care providers (regions first, then municipalities, then private providers).</param>
/// <param name="Seed">The seed: the same seed and options give a byte-identical population.</param>
/// <param name="ReferenceDate">"Today" for the population: ages and histories end here.</param>
/// <param name="HistoryYears">How many years of clinical history each person has (contacts before that are not generated).</param>
public sealed record SeedOptions(long Persons, int Providers, ulong Seed, DateOnly ReferenceDate, int HistoryYears = 10)
{
    /// <summary>Fixed default reference date, so that a seed means the same population whenever it is run.</summary>
    public static readonly DateOnly DefaultReferenceDate = new(2026, 11, 1);

    /// <summary>The demo population the server seeds on first start.</summary>
    public static SeedOptions Demo => new(1_000, 20, 1, DefaultReferenceDate);

    /// <summary>Checks the options; returns a message naming what is wrong, or null.</summary>
    public string? Validate()
    {
        if (Persons < 1)
            return "persons must be at least 1";
        if (Persons > 25_000_000)
            return "persons must be at most 25,000,000 (the birth-number space of one birth date holds 999 persons)";
        if (Providers < 1)
            return "providers must be at least 1";
        if (Providers > 2_000)
            return "providers must be at most 2,000";
        if (HistoryYears is < 1 or > 50)
            return "history years must be between 1 and 50";
        return null;
    }
}
