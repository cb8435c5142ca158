using Hl7.Fhir.Model;

namespace OpenNdi.Fhir.Merging;

/// <summary>What became of one resource a provider sent: every one ends in exactly one of these.</summary>
public enum Disposition
{
    /// <summary>In the answer, under its provider's URL.</summary>
    Released,

    /// <summary>Not in the answer because the patient's settings, the caller's access or scopes keep it back (the reason says which).</summary>
    Withheld,

    /// <summary>In the answer as part of another item, which <see cref="ItemAccount.Into"/> names (the same item from another provider, the national Patient, the national summary).</summary>
    Merged,

    /// <summary>Not in the answer because of what the provider sent (unreadable, about another patient, of a kind the answer cannot hold).</summary>
    Rejected,
}

/// <summary>The account of one resource of one provider's answer.</summary>
/// <param name="Url">The provider's URL of it (the entry's fullUrl, or its base URL and id; for an unreadable entry its place in the Bundle).</param>
/// <param name="Type">Its resource type, as far as it could be read.</param>
/// <param name="Reason">Why, as a code (<see cref="ItemAccounts"/>) or an access-decision reason code, with detail after a colon where there is any.</param>
/// <param name="Into">For a merge, the URL of what it was merged into.</param>
public sealed record ItemAccount(string Url, string Type, Disposition Disposition, string Reason, string? Into = null);

/// <summary>
/// Conservation: every resource a provider sends is accounted for exactly once, released, withheld (with the policy's
/// reason), merged into another item (naming it), or rejected (with the reason); the counts add up to what was sent.
/// Screening accounts for what it sets aside; <see cref="Settle"/> accounts for what it kept, once the answer is assembled.
/// </summary>
public static class ItemAccounts
{
    public const string SameItem = "same-item";
    public const string NationalPatient = "national-patient";
    public const string NationalSummary = "national-summary";
    public const string Unreadable = "unreadable";
    public const string AnotherPatient = "another-patient";
    public const string ProviderOutcome = "provider-outcome";
    public const string NotCoveredByScope = "not-covered-by-scope";
    public const string SupportsNothingReleased = "supports-nothing-released";
    public const string OutsideThisAnswer = "outside-this-answer";

    /// <summary>
    /// The accounts of kept items, after merging and assembly: a released item's first source is released, its other
    /// sources are merged into it; an item the answer did not take (not of the type read, fitting no section, a
    /// supporting resource nothing released references) is withheld or rejected with the reason.
    /// </summary>
    /// <param name="kept">The items screening kept, each with its one source, before merging.</param>
    /// <param name="merged">The items after <see cref="Merging.SameItem.Merge"/>, holding every source.</param>
    /// <param name="released">What the assembled answer holds.</param>
    public static IReadOnlyList<ItemAccount> Settle(IEnumerable<SourcedItem> kept, IReadOnlyList<SourcedItem> merged, IReadOnlyList<SourcedItem> released)
    {
        var holder = new Dictionary<ItemSource, SourcedItem>(ReferenceEqualityComparer.Instance);
        foreach (var item in merged)
        {
            foreach (var source in item.Sources)
                holder[source] = item;
        }
        var inAnswer = released.ToHashSet();
        var accounts = new List<ItemAccount>();
        foreach (var item in kept)
        {
            var source = item.Sources[0];
            var into = holder.GetValueOrDefault(source) ?? item;
            var type = item.Resource.TypeName;
            if (inAnswer.Contains(into))
                accounts.Add(ReferenceEquals(into.Sources[0], source)
                    ? new ItemAccount(source.Url, type, Disposition.Released, "released")
                    : new ItemAccount(source.Url, type, Disposition.Merged, SameItem, into.FullUrl));
            else if (item.Category is null)
                accounts.Add(new ItemAccount(source.Url, type, Disposition.Withheld, SupportsNothingReleased));
            else
                accounts.Add(new ItemAccount(source.Url, type, Disposition.Rejected, $"{OutsideThisAnswer}: this answer holds no {type}"));
        }
        return accounts;
    }

    /// <summary>The counts by disposition, in the order of <see cref="Disposition"/>.</summary>
    public static string Counts(IReadOnlyCollection<ItemAccount> accounts) =>
        $"{accounts.Count} received: {accounts.Count(a => a.Disposition == Disposition.Released)} released, {accounts.Count(a => a.Disposition == Disposition.Withheld)} withheld, "
        + $"{accounts.Count(a => a.Disposition == Disposition.Merged)} merged, {accounts.Count(a => a.Disposition == Disposition.Rejected)} rejected";

    /// <summary>The resource's URL at the provider: the entry's fullUrl when absolute, otherwise the provider's base with type and id.</summary>
    public static string UrlOf(Bundle.EntryComponent entry, string baseUrl) =>
        entry.FullUrl is { Length: > 0 } url && (url.StartsWith("http", StringComparison.Ordinal) || url.StartsWith("urn:uuid:", StringComparison.Ordinal))
            ? url
            : $"{baseUrl}/{entry.Resource!.TypeName}/{entry.Resource.Id}";
}
