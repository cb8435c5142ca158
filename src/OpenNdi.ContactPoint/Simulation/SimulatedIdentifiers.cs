namespace OpenNdi.ContactPoint.Simulation;

/// <summary>
/// The national identifiers the simulated peers give their patients, made and checked as their countries define them.
/// </summary>
public static class SimulatedIdentifiers
{
    /// <summary>Germany's statutory health insurance number (Krankenversichertennummer, unchangeable part), as gematik and HL7 Deutschland name it.</summary>
    public const string KvnrSystem = "http://fhir.de/sid/gkv/kvid-10";

    /// <summary>France's INS-NIR (identifiant national de santé, the NIR as health identifier), OID 1.2.250.1.213.1.4.8.</summary>
    public const string NirSystem = "urn:oid:1.2.250.1.213.1.4.8";

    /// <summary>
    /// The KVNR's check digit (GKV-Spitzenverband, Richtlinien nach § 290 SGB V, Anlage 1): the letter becomes its
    /// two-digit place in the alphabet (A = 01 … Z = 26), the ten digits so made (two for the letter, the eight digits)
    /// are weighted 1, 2, 1, 2, …; each product's digits are summed; the total's last digit is the check digit.
    /// The commonly cited test number A123456780 checks (0).
    /// </summary>
    public static int KvnrCheckDigit(char letter, string eightDigits)
    {
        if (!char.IsAsciiLetterUpper(letter) || eightDigits.Length != 8 || !eightDigits.All(char.IsAsciiDigit))
            throw new ArgumentException("A KVNR is one upper-case letter and eight digits before its check digit.");
        var place = letter - 'A' + 1;
        var digits = $"{place:00}{eightDigits}";
        var sum = 0;
        for (var i = 0; i < digits.Length; i++)
        {
            var product = (digits[i] - '0') * (i % 2 == 0 ? 1 : 2);
            sum += product / 10 + product % 10;
        }
        return sum % 10;
    }

    /// <summary>Whether <paramref name="value"/> is a KVNR: one upper-case letter, nine digits, the last its check digit.</summary>
    public static bool IsKvnr(string value) =>
        value.Length == 10 && char.IsAsciiLetterUpper(value[0]) && value.AsSpan(1).IndexOfAnyExceptInRange('0', '9') < 0
        && KvnrCheckDigit(value[0], value[1..9]) == value[9] - '0';

    /// <summary>The NIR's key (INSEE): 97 minus the thirteen-digit number modulo 97, on two digits.</summary>
    public static int NirKey(string thirteenDigits)
    {
        if (thirteenDigits.Length != 13 || !thirteenDigits.All(char.IsAsciiDigit))
            throw new ArgumentException("A NIR is thirteen digits before its key (Corsica's 2A/2B are not made here).");
        return 97 - (int)(long.Parse(thirteenDigits, System.Globalization.CultureInfo.InvariantCulture) % 97);
    }

    /// <summary>Whether <paramref name="value"/> is a NIR: fifteen digits, the last two its key.</summary>
    public static bool IsNir(string value) =>
        value.Length == 15 && value.All(char.IsAsciiDigit) && NirKey(value[..13]) == int.Parse(value[13..], System.Globalization.CultureInfo.InvariantCulture);
}
