using System.Text;

namespace OpenNdi.ContactPoint.Identification;

/// <summary>
/// Names as contact points compare them (Sweden's identification, and the simulated peers'): case, the diacritics of Latin letters (é → E, ü → U, ø → O, æ → AE,
/// ß → SS), hyphens, apostrophes and whitespace folded, for names typed abroad from an identity document.
/// By a table, not by Unicode decomposition: the solution runs with <c>InvariantGlobalization</c>, where
/// <c>string.Normalize</c> changes nothing (no ICU), so decomposing and dropping marks would fold nothing.
/// </summary>
public static class NameFolding
{
    private const string Accented = "ÀÁÂÃÄÅĀĂĄÇĆĈĊČĎĐÈÉÊËĒĔĖĘĚĜĞĠĢĤĦÌÍÎÏĨĪĬĮİĴĶĹĻĽĿŁÑŃŅŇÒÓÔÕÖØŌŎŐŔŖŘŚŜŞŠŢŤŦÙÚÛÜŨŪŬŮŰŲŴÝŶŸŹŻŽ";
    private const string Plain = "AAAAAAAAACCCCCDDEEEEEEEEEGGGGHHIIIIIIIIIJKLLLLLNNNNOOOOOOOOORRRSSSSTTTUUUUUUUUUUWYYYZZZ";

    public static string Fold(string name)
    {
        var builder = new StringBuilder(name.Length);
        foreach (var c in name.ToUpperInvariant())
        {
            if (char.IsWhiteSpace(c) || c is '-' or '\'' or '’')
                continue;
            var at = Accented.IndexOf(c, StringComparison.Ordinal);
            builder.Append(c switch
            {
                _ when at >= 0 => Plain[at].ToString(),
                'Æ' => "AE",
                'Œ' => "OE",
                'ß' or 'ẞ' => "SS",
                _ => c.ToString(),
            });
        }
        return builder.ToString();
    }
}
