using System.CommandLine;

namespace OpenNdi.Cli;

/// <summary>The <c>ndi</c> command tree.</summary>
public static class NdiCommands
{
    public static RootCommand Root() => new("OpenNdi administration: seed a synthetic population, run the provider EHR simulator, migrate a database, verify and load the audit log.")
    {
        SeedCommand.Create(),
        SimulateCommand.Create(),
        MigrateCommand.Create(),
        AuditCommand.Create(),
    };
}
