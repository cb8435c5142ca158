using System.CommandLine;
using OpenNdi.Cli;

// ndi: the OpenNdi administration tool. Each command is one file; this only wires them up.
var root = new RootCommand("OpenNdi administration: seed a synthetic population, run the provider EHR simulator, migrate a database.")
{
    SeedCommand.Create(),
    SimulateCommand.Create(),
    MigrateCommand.Create(),
};
return await root.Parse(args).InvokeAsync();
