using System.Diagnostics.CodeAnalysis;

namespace OpenNdi.Core.Identifiers;

/// <summary>
/// An HSA-id (Inera's national catalogue of health services, HSA) of a care provider, care unit or professional:
/// <c>SE</c> + the issuer's 10-digit organisation number + <c>-</c> + a local part of A–Z and 0–9, at most
/// 31 characters in all, e.g. <c>SE2321000016-15CQ</c>. The organisation number must pass the Luhn check
/// (Skatteverket SKV 704). Stored upper-case.
/// </summary>
public readonly record struct HsaId : IParsable<HsaId>
{
    /// <summary>FHIR identifier system for HSA-ids.</summary>
    public const string System = "urn:oid:1.2.752.29.4.19";

    /// <summary>Longest HSA-id in characters.</summary>
    public const int MaxLength = 31;

    /// <summary>Longest local part allowed by the format (the <see cref="MaxLength"/> limit still applies).</summary>
    public const int MaxLocalPartLength = 20;

    private const string Prefix = "SE";
    private const string Invalid = "Invalid HSA-id: ";

    // 'System' here is the constant above, hence global:: for the namespace.
    private static readonly global::System.Buffers.SearchValues<char> LocalPartCharacters =
        global::System.Buffers.SearchValues.Create("ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789");

    private readonly string? _value;

    private HsaId(OrganizationNumber organizationNumber, string localPart)
    {
        OrganizationNumber = organizationNumber;
        _value = $"{Prefix}{organizationNumber.Value}-{localPart}";
    }

    public string Value => _value ?? string.Empty;

    /// <summary>The organisation number of the issuing organisation.</summary>
    public OrganizationNumber OrganizationNumber { get; }

    /// <summary>The part after '-', upper-case A–Z and 0–9.</summary>
    public string LocalPart => _value is null ? string.Empty : _value[(Prefix.Length + 11)..];

    public override string ToString() => Value;

    /// <summary>Builds an HSA-id from its parts; the local part is upper-cased.</summary>
    /// <exception cref="ArgumentException">The organisation number is the default value, or the local part is invalid.</exception>
    public static HsaId Create(OrganizationNumber organizationNumber, string localPart)
    {
        ArgumentNullException.ThrowIfNull(localPart);
        if (organizationNumber.Value.Length == 0)
            throw new ArgumentException("An organisation number is required.", nameof(organizationNumber));
        var upper = localPart.ToUpperInvariant();
        var reason = ValidateLocalPart(upper);
        return reason is null ? new HsaId(organizationNumber, upper) : throw new ArgumentException(Invalid + reason, nameof(localPart));
    }

    /// <exception cref="FormatException">The input is not a valid HSA-id; the message says why.</exception>
    public static HsaId Parse(string input)
    {
        ArgumentNullException.ThrowIfNull(input);
        return TryParse(input, out var value, out var error) ? value : throw new FormatException(error);
    }

    /// <summary>Parses an HSA-id, ignoring surrounding whitespace and letter case.</summary>
    /// <param name="error">On failure, a user-facing English message saying what is wrong.</param>
    public static bool TryParse([NotNullWhen(true)] string? input, out HsaId value, [NotNullWhen(false)] out string? error)
    {
        error = ParseCore(input.AsSpan().Trim().ToString().ToUpperInvariant(), out value);
        return error is null;
    }

    static HsaId IParsable<HsaId>.Parse(string s, IFormatProvider? provider) => Parse(s);

    static bool IParsable<HsaId>.TryParse([NotNullWhen(true)] string? s, IFormatProvider? provider, out HsaId result) =>
        TryParse(s, out result, out _);

    private static string? ParseCore(string s, out HsaId value)
    {
        value = default;
        if (s.Length == 0)
            return "HSA-id is empty.";
        if (!s.StartsWith(Prefix, StringComparison.Ordinal))
            return Invalid + "must start with the country code 'SE'.";
        var digits = s.AsSpan(Prefix.Length);
        if (digits.Length < 11 || digits[..10].ContainsAnyExceptInRange('0', '9') || digits[10] != '-')
            return Invalid + "'SE' must be followed by a 10-digit organisation number and '-' (e.g. SE2321000016-15CQ).";
        var orgError = OrganizationNumber.Validate(digits[..10], out var organizationNumber);
        if (orgError is not null)
            return Invalid + "the organisation number part is not valid: " + orgError;
        var localPart = digits[11..].ToString();
        var reason = ValidateLocalPart(localPart);
        if (reason is not null)
            return Invalid + reason;
        value = new HsaId(organizationNumber, localPart);
        return null;
    }

    private static string? ValidateLocalPart(string localPart)
    {
        if (localPart.Length == 0)
            return "the local part after '-' is empty.";
        var bad = localPart.AsSpan().IndexOfAnyExcept(LocalPartCharacters);
        if (bad >= 0)
            return $"the local part may contain only A-Z and 0-9, but contains '{localPart[bad]}'.";
        if (localPart.Length > MaxLocalPartLength)
            return $"the local part is {localPart.Length} characters; at most {MaxLocalPartLength} are allowed.";
        var length = Prefix.Length + 11 + localPart.Length;
        if (length > MaxLength)
            return $"it is {length} characters long; at most {MaxLength} are allowed (local part at most {MaxLength - Prefix.Length - 11} characters).";
        return null;
    }
}
