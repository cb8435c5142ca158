using System.Security.Cryptography;
using System.Text;
using OpenNdi.SecondaryUse.Pseudonymisation;

namespace OpenNdi.SecondaryUse.Tests;

[Trait("Category", "Security")]
public sealed class PseudonymisationTests
{
    private static readonly byte[] Master = [.. Enumerable.Range(0, 32).Select(i => (byte)i)];

    [Theory]
    [InlineData("", "")]
    [InlineData("f", "my")]
    [InlineData("fo", "mzxq")]
    [InlineData("foo", "mzxw6")]
    [InlineData("foob", "mzxw6yq")]
    [InlineData("fooba", "mzxw6ytb")]
    [InlineData("foobar", "mzxw6ytboi")]
    public void Base32_OfTheRfc4648TestVectors_IsTheirLowerCaseWithoutPadding(string text, string expected)
    {
        // RFC 4648 §10: BASE32("f") = "MY======", …, BASE32("foobar") = "MZXW6YTBOI======".
        Assert.Equal(expected, Base32.Encode(Encoding.ASCII.GetBytes(text)));
    }

    [Fact]
    public void Pseudonym_IsTheKnownAnswer_OfAnIndependentImplementation()
    {
        // Computed with Python's hmac, hashlib and base64 modules (HKDF written out from RFC 5869).
        var keys = new PermitKeys(Master);

        Assert.Equal("eihu4mpmazrxehd2geivs5zvum", keys.For("permit-1").Pseudonym("198403071234"));
        Assert.Equal("6jnvvcpz4n2pcwlu7ibl2p3vmu", keys.For("permit-2").Pseudonym("198403071234"));
    }

    [Theory]
    [InlineData("permit-1", "198403071234")]
    [InlineData("P-2026-0042", "201212121212")]
    [InlineData("åäö", "19840307-1234")]
    public void Pseudonym_IsTheFirst16BytesOfTheHmacUnderTheHkdfKey_InBase32(string permit, string person)
    {
        var key = HKDF.DeriveKey(HashAlgorithmName.SHA256, Master, 32, Encoding.UTF8.GetBytes("openndi-sdu-pseudonym-v1"), Encoding.UTF8.GetBytes(permit));
        var mac = HMACSHA256.HashData(key, Encoding.UTF8.GetBytes(person));
        var expected = ReferenceBase32(mac[..16]);

        var pseudonym = new PermitKeys(Master).For(permit).Pseudonym(person);

        Assert.Equal(expected, pseudonym);
        Assert.Equal(26, pseudonym.Length);
    }

    [Fact]
    public void Pseudonym_OfOnePerson_IsStableWithinAPermit_AndDiffersAcrossPermits()
    {
        var keys = new PermitKeys(Master);

        Assert.Equal(keys.For("permit-1").Pseudonym("198403071234"), new PermitKeys(Master).For("permit-1").Pseudonym("198403071234"));
        Assert.NotEqual(keys.For("permit-1").Pseudonym("198403071234"), keys.For("permit-2").Pseudonym("198403071234"));
        Assert.NotEqual(keys.For("permit-1").Pseudonym("198403071234"), keys.For("permit-1").Pseudonym("198403071242"));
        Assert.Equal("permit-2", keys.For("permit-2").Permit);
    }

    [Fact]
    public void Pseudonym_UnderAnotherMasterKey_Differs()
    {
        var other = Master.ToArray();
        other[0] ^= 1;

        Assert.NotEqual(new PermitKeys(Master).For("permit-1").Pseudonym("198403071234"), new PermitKeys(other).For("permit-1").Pseudonym("198403071234"));
    }

    [Fact]
    public void PermitKeys_WithAMasterKeyShorterThan32Bytes_AreRefused()
    {
        Assert.Throws<ArgumentException>(() => new PermitKeys(new byte[31]));
        Assert.Throws<ArgumentException>(() => PermitKeys.FromBase64(Convert.ToBase64String(new byte[16])));
        Assert.Throws<ArgumentException>(() => PermitKeys.FromBase64("not base64!"));
    }

    [Fact]
    public void PermitKeys_FromBase64_DeriveTheSamePseudonyms_AsTheBytes()
    {
        Assert.Equal(new PermitKeys(Master).For("permit-1").Pseudonym("198403071234"), PermitKeys.FromBase64(Convert.ToBase64String(Master)).For("permit-1").Pseudonym("198403071234"));
    }

    [Fact]
    public void PermitKeys_KeepACopy_OfTheMasterKey()
    {
        var master = Master.ToArray();
        var keys = new PermitKeys(master);
        var before = keys.For("permit-1").Pseudonym("198403071234");

        Array.Clear(master);

        Assert.Equal(before, keys.For("permit-1").Pseudonym("198403071234"));
    }

    [Fact]
    public void Generate_GivesDifferentMasterKeys()
    {
        Assert.NotEqual(PermitKeys.Generate().For("permit-1").Pseudonym("198403071234"), PermitKeys.Generate().For("permit-1").Pseudonym("198403071234"));
    }

    [Fact]
    public void Pseudonym_FromManyThreadsAtOnce_IsWhatOneThreadComputes()
    {
        var pseudonymiser = new PermitKeys(Master).For("permit-1");
        var random = new Random(18);
        var persons = Enumerable.Range(0, 20_000).Select(_ => $"19{random.Next(30, 99)}0{random.Next(1, 10)}1{random.Next(0, 9)}{random.Next(0, 10_000):D4}").ToArray();
        var expected = persons.Select(p => ReferenceBase32(HMACSHA256.HashData(
            HKDF.DeriveKey(HashAlgorithmName.SHA256, Master, 32, Encoding.UTF8.GetBytes("openndi-sdu-pseudonym-v1"), Encoding.UTF8.GetBytes("permit-1")),
            Encoding.UTF8.GetBytes(p))[..16])).ToArray();
        var actual = new string[persons.Length];

        Parallel.For(0, persons.Length, new ParallelOptions { MaxDegreeOfParallelism = 4 }, i => actual[i] = pseudonymiser.Pseudonym(persons[i]));

        Assert.Equal(expected, actual);
    }

    [Fact]
    public void Pseudonym_OfAVeryLongIdentifier_IsStillTheHmac()
    {
        var person = new string('7', 5_000);
        var key = HKDF.DeriveKey(HashAlgorithmName.SHA256, Master, 32, Encoding.UTF8.GetBytes("openndi-sdu-pseudonym-v1"), Encoding.UTF8.GetBytes("permit-1"));

        Assert.Equal(ReferenceBase32(HMACSHA256.HashData(key, Encoding.UTF8.GetBytes(person))[..16]), new PermitKeys(Master).For("permit-1").Pseudonym(person));
    }

    /// <summary>Base32 the slow, obvious way (a string of bits cut in fives), to check the fast encoder against.</summary>
    private static string ReferenceBase32(byte[] bytes)
    {
        var bits = string.Concat(bytes.Select(b => Convert.ToString(b, 2).PadLeft(8, '0')));
        bits = bits.PadRight((bits.Length + 4) / 5 * 5, '0');
        return string.Concat(Enumerable.Range(0, bits.Length / 5).Select(i => "abcdefghijklmnopqrstuvwxyz234567"[Convert.ToInt32(bits.Substring(i * 5, 5), 2)]));
    }
}
