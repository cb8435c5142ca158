using OpenNdi.Data.Audit;
using OpenNdi.Data.Consent;
using OpenNdi.Data.ServiceDirectory;
using OpenNdi.Data.Identity;
using OpenNdi.Data.Index;
using OpenNdi.Data.Population;
using OpenNdi.Data.Simulator;

namespace OpenNdi.Data;

/// <summary>Every module's migrations, in one list for start-up.</summary>
public static class DataModules
{
    public static IEnumerable<Migration> AllMigrations => PopulationSchema.Migrations.Concat(SimulatorSchema.Migrations).Concat(IndexSchema.Migrations).Concat(DirectorySchema.Migrations).Concat(ConsentSchema.Migrations).Concat(AuditSchema.Migrations).Concat(IdentitySchema.Migrations).Concat(PatientData.PatientDataSchema.Migrations);
}
