namespace OpenNdi.Core.Identifiers;

/// <summary>
/// Legal sex as encoded in a personal identity number: the ninth digit (the last digit of the birth number)
/// is odd for men and even for women (Skatteverket, SKV 704).
/// </summary>
public enum Sex
{
    Female,
    Male,
}
