namespace OpenNdi.Data;

/// <summary>
/// Key and certificate files written once: to a file aside, private from its creation (the mode is set as it is
/// created, never widened afterwards), then moved into place, so a concurrent start never reads half a key and two
/// processes starting at once agree on one file.
/// </summary>
public static class PrivateFiles
{
    public const UnixFileMode OwnerOnly = UnixFileMode.UserRead | UnixFileMode.UserWrite;

    /// <summary>Writes <paramref name="content"/> to <paramref name="path"/> unless it exists; false when another process was first (its file stays).</summary>
    public static bool WriteOnce(string path, string content, UnixFileMode mode = OwnerOnly)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(path))!);
        var temporary = $"{path}.{Environment.ProcessId}.tmp";
        var options = new FileStreamOptions { Mode = FileMode.Create, Access = FileAccess.Write };
        if (!OperatingSystem.IsWindows())
            options.UnixCreateMode = mode;
        using (var writer = new StreamWriter(temporary, System.Text.Encoding.ASCII, options))
            writer.Write(content);
        try
        {
            File.Move(temporary, path, overwrite: false);
            return true;
        }
        catch (IOException) when (File.Exists(path))
        {
            File.Delete(temporary);
            return false;
        }
    }

    /// <summary>
    /// Creates <paramref name="path"/> empty, private from its creation, unless it exists: an empty file is an empty
    /// SQLite database, which SQLite would otherwise create with the process umask (commonly 0644). A file already
    /// there, or made meanwhile by another connection or process, stays as it is. Nothing to do on Windows.
    /// </summary>
    public static void CreateEmptyOnce(string path, UnixFileMode mode = OwnerOnly)
    {
        if (OperatingSystem.IsWindows())
            return;
        if (File.Exists(path))
            return;
        try
        {
            using var file = new FileStream(path, new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write, UnixCreateMode = mode });
        }
        catch (IOException) when (File.Exists(path))
        {
            // Created meanwhile: leave it as it is.
        }
    }
}
