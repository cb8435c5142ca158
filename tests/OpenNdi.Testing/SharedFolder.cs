namespace OpenNdi.Testing;

/// <summary>
/// The workspace's shared/ folder beside the repository (../shared from its root), found by walking up from the
/// test binaries: it holds data no one here wrote and that is never copied into the repository.
/// </summary>
internal static class SharedFolder
{
    /// <summary>The full path of shared/<paramref name="name"/>; throws, saying where it was looked for, when it is not there.</summary>
    public static string Find(string name)
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            var candidate = Path.Combine(dir.FullName, "shared", name);
            if (Directory.Exists(candidate))
                return candidate;
        }
        throw new InvalidOperationException($"../shared/{name} was not found above the test binaries ({AppContext.BaseDirectory}); it lives beside the repository.");
    }
}
