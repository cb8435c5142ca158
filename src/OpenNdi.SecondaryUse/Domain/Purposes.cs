namespace OpenNdi.SecondaryUse.Domain;

/// <summary>
/// The purposes for which electronic health data may be processed for secondary use (EHDS, Regulation (EU) 2025/327,
/// art. 53(1) (a)–(f)); an application names one. Anything else (advertising, decisions about a person, insurance
/// exclusion: art. 54) is refused by not being on this list.
/// </summary>
public static class SecondaryUsePurposes
{
    /// <summary>(a) Public interest in public or occupational health (threats to health, pharmacovigilance).</summary>
    public const string PublicHealth = "public-health";

    /// <summary>(b) Policy making and regulatory activities of public sector bodies in the health or care sectors.</summary>
    public const string PolicyMaking = "policy-making";

    /// <summary>(c) Statistics (official statistics on the health or care sectors).</summary>
    public const string Statistics = "statistics";

    /// <summary>(d) Education or teaching in the health or care sectors, at vocational or higher education.</summary>
    public const string Education = "education";

    /// <summary>(e) Scientific research in the health or care sectors (including development of products and services, and AI).</summary>
    public const string ScientificResearch = "scientific-research";

    /// <summary>(f) Improving the delivery of care, treatment optimisation, based on other persons' health data.</summary>
    public const string CareImprovement = "care-improvement";

    public static IReadOnlyList<string> All { get; } = [PublicHealth, PolicyMaking, Statistics, Education, ScientificResearch, CareImprovement];

    public static bool IsKnown(string? purpose) => purpose is not null && All.Contains(purpose, StringComparer.Ordinal);
}
