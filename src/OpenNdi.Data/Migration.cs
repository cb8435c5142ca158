namespace OpenNdi.Data;

/// <summary>
/// One versioned schema change of one module, written once per backend. Versions of a module are applied in
/// order, each in its own transaction, and recorded in <c>ndi_schema_migrations</c>; an applied version is never
/// edited, a change is a new version.
/// </summary>
public sealed record Migration(string Module, int Version, string Description, string Sqlite, string PostgreSql)
{
    public string SqlFor(StorageBackend backend) => backend == StorageBackend.Sqlite ? Sqlite : PostgreSql;
}
