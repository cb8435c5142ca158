namespace OpenNdi.Core.Identifiers;

/// <summary>
/// The Luhn (modulus 10) check digit used by Swedish personal identity numbers and organisation numbers
/// (Skatteverket, SKV 704 "Personnummer", section on the check digit): the digits are multiplied alternately
/// by 2 and 1, starting with 2 on the digit next to the check digit (for the nine digits YYMMDDNNN this is
/// 2, 1, 2, 1, … from the left); the digit sums of the products are added, and the check digit is the amount
/// needed to reach the next multiple of ten.
/// </summary>
public static class Luhn
{
    /// <summary>The check digit for <paramref name="digits"/> (ASCII digits only, at least one).</summary>
    /// <exception cref="ArgumentException">The input is empty or contains anything but ASCII digits.</exception>
    public static int ComputeCheckDigit(ReadOnlySpan<char> digits)
    {
        if (digits.IsEmpty)
            throw new ArgumentException("At least one digit is required.", nameof(digits));

        var sum = 0;
        for (var i = 0; i < digits.Length; i++)
        {
            var c = digits[digits.Length - 1 - i];
            if (!char.IsAsciiDigit(c))
                throw new ArgumentException($"'{c}' is not a digit.", nameof(digits));
            var product = (c - '0') * (i % 2 == 0 ? 2 : 1);
            sum += product > 9 ? product - 9 : product;
        }

        return (10 - sum % 10) % 10;
    }

    /// <summary>Whether the last digit of <paramref name="digits"/> is the correct check digit for the rest.</summary>
    public static bool IsValid(ReadOnlySpan<char> digits)
    {
        if (digits.Length < 2)
            return false;
        foreach (var c in digits)
        {
            if (!char.IsAsciiDigit(c))
                return false;
        }

        return ComputeCheckDigit(digits[..^1]) == digits[^1] - '0';
    }
}
