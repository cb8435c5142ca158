namespace OpenNdi.Data.Consent;

/// <summary>The patients' privacy settings (FHIR Consent resources) and every version of them.</summary>
public static class ConsentSchema
{
    public const string Module = "consent";

    public static IReadOnlyList<Migration> Migrations { get; } =
    [
        new(Module, 1, "consents and their history",
            Sqlite: """
                CREATE TABLE consent_consents (
                    id TEXT PRIMARY KEY,
                    patient TEXT NOT NULL,
                    kind TEXT NOT NULL,
                    active INTEGER NOT NULL,
                    version INTEGER NOT NULL,
                    updated_at TEXT NOT NULL,
                    json TEXT NOT NULL
                );
                CREATE INDEX consent_consents_patient ON consent_consents (patient);
                CREATE TABLE consent_history (
                    id TEXT NOT NULL,
                    version INTEGER NOT NULL,
                    changed_at TEXT NOT NULL,
                    changed_by TEXT NOT NULL,
                    on_behalf_of TEXT,
                    json TEXT NOT NULL,
                    PRIMARY KEY (id, version)
                );
                """,
            PostgreSql: """
                CREATE SCHEMA IF NOT EXISTS consent;
                CREATE TABLE consent.consents (
                    id text PRIMARY KEY,
                    patient text NOT NULL,
                    kind text NOT NULL,
                    active boolean NOT NULL,
                    version integer NOT NULL,
                    updated_at text NOT NULL,
                    json text NOT NULL
                );
                CREATE INDEX consents_patient ON consent.consents (patient);
                CREATE TABLE consent.history (
                    id text NOT NULL,
                    version integer NOT NULL,
                    changed_at text NOT NULL,
                    changed_by text NOT NULL,
                    on_behalf_of text,
                    json text NOT NULL,
                    PRIMARY KEY (id, version)
                );
                """),
        // Issue 12 finding 7: an opt-out of a kind is one setting per patient. The database keeps it so, so two
        // concurrent first posts cannot both create one (revoking one would leave the other in force).
        new(Module, 2, "one opt-out setting per patient and kind",
            Sqlite: "CREATE UNIQUE INDEX consent_consents_one_optout ON consent_consents (patient, kind) WHERE kind IN ('optout-primary', 'optout-secondary');",
            PostgreSql: "CREATE UNIQUE INDEX consents_one_optout ON consent.consents (patient, kind) WHERE kind IN ('optout-primary', 'optout-secondary');"),
        // Issue 15: the research-contact opt-out is a third one-per-patient setting; and a representative finds whom
        // they act for by proxy through the representative's number, kept beside the JSON (backfilled from it).
        new(Module, 3, "research-contact opt-out; proxies by representative",
            Sqlite: """
                DROP INDEX consent_consents_one_optout;
                CREATE UNIQUE INDEX consent_consents_one_optout ON consent_consents (patient, kind) WHERE kind IN ('optout-primary', 'optout-secondary', 'optout-research-contact');
                ALTER TABLE consent_consents ADD COLUMN representative TEXT;
                UPDATE consent_consents SET representative = (
                    SELECT json_extract(a.value, '$.reference.identifier.value') FROM json_each(consent_consents.json, '$.provision.actor') a
                    WHERE a.value LIKE '%"HPOWATT"%' LIMIT 1) WHERE kind = 'proxy';
                CREATE INDEX consent_consents_representative ON consent_consents (representative) WHERE representative IS NOT NULL;
                """,
            PostgreSql: """
                DROP INDEX consent.consents_one_optout;
                CREATE UNIQUE INDEX consents_one_optout ON consent.consents (patient, kind) WHERE kind IN ('optout-primary', 'optout-secondary', 'optout-research-contact');
                ALTER TABLE consent.consents ADD COLUMN representative text;
                UPDATE consent.consents SET representative = jsonb_path_query_first(json::jsonb,
                    '$.provision.actor[*] ? (@.role.coding[*].code == "HPOWATT").reference.identifier.value') #>> '{}' WHERE kind = 'proxy';
                CREATE INDEX consents_representative ON consent.consents (representative) WHERE representative IS NOT NULL;
                """),
    ];
}
