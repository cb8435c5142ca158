namespace OpenNdi.SecondaryUse.Cases;

/// <summary>The body's settings: k (and the small-cell threshold, the same number), the longest permit, the largest output table.</summary>
public sealed record SecondaryUseSettings(int K = 5, int MaxPermitDays = 5 * 365, int MaxOutputRows = 10_000, int DefaultPermitDays = 365);
