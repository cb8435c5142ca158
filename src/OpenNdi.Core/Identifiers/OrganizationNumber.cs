using System.Diagnostics.CodeAnalysis;

namespace OpenNdi.Core.Identifiers;

/// <summary>
/// A Swedish organisation number (organisationsnummer) of a legal entity: 10 digits NNNNNN-NNNN with a Luhn
/// check digit over the first nine, as for personnummer (Skatteverket SKV 704, SKV 709). The third digit is
/// 2 or higher, which keeps it apart from a personnummer's month. The first digit is the group number,
/// e.g. 2 for the state, regions and municipalities and 5 for limited companies (aktiebolag).
/// </summary>
public readonly record struct OrganizationNumber : IParsable<OrganizationNumber>
{
    private const string Invalid = "Invalid organisation number: ";

    private readonly string? _value;

    private OrganizationNumber(string value) => _value = value;

    /// <summary>The 10 digits without separator.</summary>
    public string Value => _value ?? string.Empty;

    /// <summary>The first digit (juridisk form group), e.g. 2 = public sector, 5 = aktiebolag.</summary>
    public int GroupDigit => Value.Length == 10 ? Value[0] - '0' : 0;

    public int CheckDigit => Value.Length == 10 ? Value[9] - '0' : 0;

    /// <summary>NNNNNN-NNNN.</summary>
    public override string ToString() => _value is null ? string.Empty : $"{_value[..6]}-{_value[6..]}";

    /// <summary>Appends the Luhn check digit to nine digits whose third digit is 2 or higher.</summary>
    /// <exception cref="ArgumentException">Not nine ASCII digits, or the third digit is below 2.</exception>
    public static OrganizationNumber Create(string nineDigits)
    {
        ArgumentNullException.ThrowIfNull(nineDigits);
        if (nineDigits.Length != 9 || nineDigits.AsSpan().ContainsAnyExceptInRange('0', '9'))
            throw new ArgumentException("Exactly nine digits are required.", nameof(nineDigits));
        if (nineDigits[2] < '2')
            throw new ArgumentException("The third digit must be 2 or higher for a legal entity.", nameof(nineDigits));
        return new OrganizationNumber(nineDigits + Luhn.ComputeCheckDigit(nineDigits));
    }

    /// <exception cref="FormatException">The input is not a valid organisation number; the message says why.</exception>
    public static OrganizationNumber Parse(string input)
    {
        ArgumentNullException.ThrowIfNull(input);
        return TryParse(input, out var value, out var error) ? value : throw new FormatException(error);
    }

    /// <summary>Parses NNNNNN-NNNN or NNNNNNNNNN, ignoring surrounding whitespace.</summary>
    /// <param name="error">On failure, a user-facing English message saying what is wrong.</param>
    public static bool TryParse([NotNullWhen(true)] string? input, out OrganizationNumber value, [NotNullWhen(false)] out string? error)
    {
        var s = input.AsSpan().Trim();
        if (s.IsEmpty)
        {
            value = default;
            error = "Organisation number is empty.";
            return false;
        }

        if (s.Length == 11 && s[6] == '-')
            s = string.Concat(s[..6], s[7..]);
        if (s.Length != 10 || s.ContainsAnyExceptInRange('0', '9'))
        {
            value = default;
            error = "Organisation number must be 10 digits, optionally with '-' after the first six (NNNNNN-NNNN).";
            return false;
        }

        var reason = Validate(s, out value);
        error = reason is null ? null : Invalid + reason;
        return error is null;
    }

    static OrganizationNumber IParsable<OrganizationNumber>.Parse(string s, IFormatProvider? provider) => Parse(s);

    static bool IParsable<OrganizationNumber>.TryParse([NotNullWhen(true)] string? s, IFormatProvider? provider, out OrganizationNumber result) =>
        TryParse(s, out result, out _);

    /// <summary>Checks ten ASCII digits; returns null, or the reason (a sentence fragment) they are not a valid number.</summary>
    internal static string? Validate(ReadOnlySpan<char> digits, out OrganizationNumber value)
    {
        value = default;
        if (digits[2] < '2')
            return $"the third digit is {digits[2]}, but must be 2 or higher for a legal entity.";
        var expected = Luhn.ComputeCheckDigit(digits[..9]);
        var actual = digits[9] - '0';
        if (actual != expected)
            return $"check digit is {actual}, expected {expected}.";
        value = new OrganizationNumber(digits.ToString());
        return null;
    }
}
