using OpenNdi.Core.Audit;
using OpenNdi.Core.Policy;

namespace OpenNdi.Server.Audit;

/// <summary>
/// An access decision as audit entities: per source provider and category, how many items were released and how many
/// withheld, with the reason code. Grouped, so a record stays small for a patient with hundreds of entries, yet says
/// whose data was seen, what was denied and what came through an emergency break.
/// </summary>
internal static class DecisionAudit
{
    public static IReadOnlyList<AuditEntity> Entities(AccessDecision decision, string kind) =>
        [.. decision.Items
            .GroupBy(i => (Provider: i.Item.Provider.Value, Category: i.Item.Category.Code, i.Permitted, i.Reason))
            .OrderBy(g => g.Key.Provider, StringComparer.Ordinal).ThenBy(g => g.Key.Category, StringComparer.Ordinal).ThenBy(g => g.Key.Reason)
            .Select(g => new AuditEntity(kind, Provider: g.Key.Provider, Category: g.Key.Category,
                Detail: $"{(g.Key.Permitted ? "released" : "withheld")} {g.Count()}: {Code(g.Key.Reason)}"))];

    /// <summary>The outcome of a decision: success when anything was released or nothing was asked; a minor failure (a denial) otherwise.</summary>
    public static AuditOutcome Outcome(AccessDecision decision) =>
        decision.Items.Count == 0 || decision.Permitted.Any() ? AuditOutcome.Success : AuditOutcome.MinorFailure;

    private static readonly Dictionary<DecisionReason, string> Codes = Enum.GetValues<DecisionReason>().ToDictionary(r => r, KebabCase);

    /// <summary>The reason as a stable kebab-case code, e.g. <c>emergency-break</c>, <c>opted-out</c>.</summary>
    public static string Code(DecisionReason reason) => Codes[reason];

    private static string KebabCase(DecisionReason reason)
    {
        var name = reason.ToString();
        var code = new System.Text.StringBuilder(name.Length + 4);
        for (var i = 0; i < name.Length; i++)
        {
            if (char.IsUpper(name[i]) && i > 0)
                code.Append('-');
            code.Append(char.ToLowerInvariant(name[i]));
        }
        return code.ToString();
    }
}
