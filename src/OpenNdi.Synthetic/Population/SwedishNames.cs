namespace OpenNdi.Synthetic.Population;

/// <summary>
/// Common Swedish given names and surnames (in the style of SCB name statistics), and street name parts, for
/// synthetic persons. Given names span generations, from names common among people born in the 1930s–1950s to
/// names popular among children born in the 2010s–2020s; surnames include the common -son names and names of
/// other origins that are common in Sweden today.
/// </summary>
internal static class SwedishNames
{
    public static IReadOnlyList<string> FemaleGivenNames { get; } =
    [
        // Common across the whole population (SCB: most common given names).
        "Maria", "Elisabeth", "Anna", "Kristina", "Margareta", "Eva", "Linnéa", "Karin", "Birgitta", "Marie",
        "Ingrid", "Sofia", "Elin", "Sara", "Emma", "Ulla", "Christina", "Katarina", "Kerstin", "Lena",
        "Helena", "Malin", "Johanna", "Ida", "Louise", "Inger", "Anneli", "Linda", "Hanna", "Susanne",
        // Older generations.
        "Gunilla", "Barbro", "Marianne", "Gunnel", "Britt", "Monica", "Ann", "Anita", "Elsa", "Astrid",
        "Siv", "Gun", "Ingegerd", "Berit", "Solveig", "Märta", "Gunvor", "Viola", "Rut", "Dagny",
        "Inga", "Maj", "Elsie", "Gerd", "Birgit", "Irene", "Yvonne", "Agneta", "Lillemor", "Ingela",
        // Born in the 1960s–1980s.
        "Annika", "Carina", "Camilla", "Jessica", "Therese", "Petra", "Pernilla", "Åsa", "Cecilia", "Jenny",
        "Frida", "Josefin", "Caroline", "Emelie", "Madeleine", "Ulrika", "Charlotte", "Jeanette", "Mikaela", "Veronica",
        "Lisa", "Amanda", "Matilda", "Julia", "Rebecka", "Moa", "Tove", "Emilia", "Paulina", "Sandra",
        // Born in the 2000s–2020s.
        "Alice", "Maja", "Ella", "Wilma", "Molly", "Olivia", "Elise", "Alma", "Vera", "Ebba",
        "Saga", "Agnes", "Selma", "Freja", "Stella", "Klara", "Ellen", "Signe", "Alva", "Ester",
        "Leah", "Nora", "Tyra", "Stina", "Edith", "Lova", "Iris", "Juni", "Ines", "Hedda",
        "Lilly", "Nellie", "Elvira", "Ronja", "Felicia", "Thea", "Meja", "Liv", "Sigrid", "Amira",
        // Names common in Sweden from other backgrounds.
        "Fatima", "Noor", "Amina", "Yasmin", "Zeynep", "Aisha", "Mariam", "Leila", "Nadia", "Hiba",
    ];

    public static IReadOnlyList<string> MaleGivenNames { get; } =
    [
        // Common across the whole population (SCB: most common given names).
        "Lars", "Karl", "Mikael", "Anders", "Johan", "Erik", "Per", "Peter", "Jan", "Thomas",
        "Daniel", "Fredrik", "Hans", "Bengt", "Andreas", "Stefan", "Mats", "Magnus", "Nils", "Marcus",
        "Bo", "Jonas", "Mattias", "Alexander", "Martin", "Niklas", "Lennart", "Björn", "Henrik", "Patrik",
        // Older generations.
        "Sven", "Gunnar", "Göran", "Leif", "Rolf", "Kjell", "Åke", "Ulf", "Stig", "Bertil",
        "Gösta", "Ingvar", "Rune", "Olle", "Arne", "Sten", "Tore", "Håkan", "Kent", "Roger",
        "Sune", "Torsten", "Evert", "Gustav", "Harald", "Ivar", "Curt", "Lars-Erik", "Per-Olof", "Bo-Göran",
        // Born in the 1960s–1980s.
        "Tommy", "Joakim", "Robert", "Christer", "Tobias", "Jimmy", "Robin", "Johnny", "Kristoffer", "Sebastian",
        "Jesper", "Emil", "Viktor", "Simon", "Rasmus", "Oskar", "Joel", "Jonathan", "David", "Christian",
        "Pontus", "Linus", "Gabriel", "Jacob", "Anton", "Filip", "Adam", "Johannes", "Petter", "Ola",
        // Born in the 2000s–2020s.
        "William", "Liam", "Noah", "Hugo", "Lucas", "Oliver", "Elias", "Melker", "Benjamin", "Theo",
        "Oscar", "Vincent", "Axel", "Ludvig", "Sigge", "Alfred", "Leo", "Arvid", "Colin", "Charlie",
        "Malte", "Harry", "Melvin", "Sixten", "Valter", "Frans", "Isak", "Love", "Sam", "Edvin",
        "Viggo", "Ebbe", "August", "Loke", "Albin", "Milo", "Wilmer", "Otto", "Elton", "Hjalmar",
        // Names common in Sweden from other backgrounds.
        "Mohammed", "Ali", "Ahmed", "Omar", "Yusuf", "Hassan", "Ibrahim", "Mustafa", "Amir", "Mehmet",
    ];

    public static IReadOnlyList<string> Surnames { get; } =
    [
        // SCB: most common surnames.
        "Andersson", "Johansson", "Karlsson", "Nilsson", "Eriksson", "Larsson", "Olsson", "Persson", "Svensson", "Gustafsson",
        "Pettersson", "Jonsson", "Jansson", "Hansson", "Bengtsson", "Jönsson", "Lindberg", "Jakobsson", "Magnusson", "Olofsson",
        "Lindström", "Lindqvist", "Lindgren", "Berg", "Axelsson", "Bergström", "Lundberg", "Lind", "Lundgren", "Lundqvist",
        "Mattsson", "Berglund", "Fredriksson", "Sandberg", "Henriksson", "Forsberg", "Sjöberg", "Ali", "Wallin", "Mohammed",
        "Engström", "Eklund", "Danielsson", "Lundin", "Håkansson", "Björk", "Bergman", "Gunnarsson", "Holm", "Wikström",
        "Samuelsson", "Isaksson", "Fransson", "Bergqvist", "Nyström", "Holmberg", "Arvidsson", "Löfgren", "Söderberg", "Nyberg",
        "Blomqvist", "Claesson", "Nordström", "Ahmed", "Mårtensson", "Lundström", "Hassan", "Viklund", "Björklund", "Eliasson",
        "Pålsson", "Berggren", "Sandström", "Lund", "Nordin", "Ström", "Åberg", "Falk", "Ekström", "Hermansson",
        "Holmgren", "Hellström", "Dahlberg", "Hedlund", "Sundberg", "Sjögren", "Ek", "Blom", "Abrahamsson", "Martinsson",
        "Öberg", "Andreasson", "Strömberg", "Månsson", "Hansen", "Åkesson", "Dahl", "Lindholm", "Norberg", "Holmqvist",
        "Sundqvist", "Nordqvist", "Lindell", "Söderström", "Ekman", "Sundström", "Hedberg", "Lindahl", "Östlund", "Wallén",
        "Hedin", "Borg", "Ågren", "Nordlund", "Nyman", "Sjöström", "Boström", "Lundmark", "Backman", "Hägglund",
        // Other origins common in Sweden.
        "Nguyen", "Kaya", "Yilmaz", "Hussein", "Abdi", "Omar", "Ibrahim", "Hussain", "Khan", "Mahmoud",
        "Demir", "Said", "Haddad", "Jovanović", "Nielsen", "Korhonen", "Virtanen", "Nowak", "Kowalski", "Popović",
        "Rodriguez", "Tran", "Le", "Mohamed", "Yousef", "Aziz", "Rahimi", "Ahmadi", "Karimi", "Hosseini",
    ];

    public static IReadOnlyList<string> StreetNameStems { get; } =
    [
        "Stor", "Kyrko", "Skol", "Ring", "Björk", "Ek", "Lind", "Tall", "Sjö", "Strand",
        "Park", "Kvarn", "Hamn", "Bruks", "Järnvägs", "Stations", "Drottning", "Kunga", "Prins", "Torg",
        "Ny", "Gamla", "Norra", "Södra", "Östra", "Västra", "Mellan", "Tvär", "Lång", "Bergs",
        "Skogs", "Ängs", "Åker", "Hag", "Gärdes", "Lund", "Bäck", "Ekorr", "Ås", "Dal",
        "Hög", "Berg", "Gran", "Asp", "Al", "Rönn", "Hassel", "Lönn", "Alm", "Ask",
        "Syren", "Ros", "Lilje", "Blåbärs", "Lingon", "Hallon", "Körsbärs", "Äppel", "Päron", "Plommon",
        "Sol", "Mån", "Stjärn", "Fågel", "Lärk", "Trast", "Svan", "Örn", "Falk", "Hjort",
        "Kungs", "Gård", "Prästgårds", "Mejeri", "Smedje", "Verkstads", "Fabriks", "Post", "Tull", "Bro",
        "Fors", "Vik", "Udde", "Näs", "Holm", "Tegel", "Kalk", "Gruv", "Sågverks", "Idrotts",
    ];

    public static IReadOnlyList<string> StreetNameSuffixes { get; } = ["gatan", "vägen", "stigen", "gränd", "allén", "backen", "torget", "platsen"];
}
