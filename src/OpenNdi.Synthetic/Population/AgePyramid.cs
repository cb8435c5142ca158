namespace OpenNdi.Synthetic.Population;

/// <summary>
/// Sweden's population by five-year age band (SCB, 31 December 2023, thousands, rounded): the weights that make a
/// synthetic population as old as the real one, which matters because contacts with care rise steeply with age.
/// </summary>
internal static class AgePyramid
{
    /// <summary>Thousands of persons aged 0–4, 5–9, …, 95–99 and 100–104.</summary>
    private static readonly double[] BandThousands =
        [560, 620, 640, 600, 590, 690, 730, 700, 660, 640, 680, 650, 600, 540, 540, 480, 300, 170, 80, 25, 3];

    public const int MaxAge = 104;

    /// <summary>Relative weight of a person of this age (per year of age).</summary>
    public static double WeightOfAge(int age) => age is < 0 or > MaxAge ? 0 : BandThousands[age / 5] / 5.0;
}
