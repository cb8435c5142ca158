namespace OpenNdi.Data.Identity;

/// <summary>
/// What the authorization server must share between its replicas and remember across restarts: the client
/// assertions already used (RFC 7523 §3, item 7), OpenIddict's applications, authorizations, scopes and tokens
/// (codes, refresh tokens, access token entries: ADR 0008), the signing and encryption keys, and the EHR launch
/// contexts (SMART App Launch 2.2 §2.0.4, the <c>launch</c> parameter).
/// </summary>
public static class IdentitySchema
{
    public const string Module = "identity";

    public static IReadOnlyList<Migration> Migrations { get; } =
    [
        new(Module, 1, "client assertion ids already used, until they expire",
            Sqlite: """
                CREATE TABLE identity_used_assertions (
                    id TEXT PRIMARY KEY,
                    expires_at INTEGER NOT NULL
                );
                CREATE INDEX identity_used_assertions_expiry ON identity_used_assertions (expires_at);
                """,
            PostgreSql: """
                CREATE SCHEMA IF NOT EXISTS identity;
                CREATE TABLE identity.used_assertions (
                    id text PRIMARY KEY,
                    expires_at bigint NOT NULL
                );
                CREATE INDEX used_assertions_expiry ON identity.used_assertions (expires_at);
                """),
        // The OpenIddict tables exactly as Entity Framework Core generates them for IdentityDbContext
        // (GenerateCreateScript; IdentitySchemaTests fails if the model and this text ever differ).
        new(Module, 2, "OpenIddict stores: applications, authorizations, scopes, tokens",
            Sqlite: """
                CREATE TABLE "identity_openiddict_applications" (
                    "Id" TEXT NOT NULL CONSTRAINT "PK_identity_openiddict_applications" PRIMARY KEY,
                    "ApplicationType" TEXT NULL,
                    "ClientId" TEXT NULL,
                    "ClientSecret" TEXT NULL,
                    "ClientType" TEXT NULL,
                    "ConcurrencyToken" TEXT NULL,
                    "ConsentType" TEXT NULL,
                    "DisplayName" TEXT NULL,
                    "DisplayNames" TEXT NULL,
                    "JsonWebKeySet" TEXT NULL,
                    "Permissions" TEXT NULL,
                    "PostLogoutRedirectUris" TEXT NULL,
                    "Properties" TEXT NULL,
                    "RedirectUris" TEXT NULL,
                    "Requirements" TEXT NULL,
                    "Settings" TEXT NULL
                );

                CREATE TABLE "identity_openiddict_scopes" (
                    "Id" TEXT NOT NULL CONSTRAINT "PK_identity_openiddict_scopes" PRIMARY KEY,
                    "ConcurrencyToken" TEXT NULL,
                    "Description" TEXT NULL,
                    "Descriptions" TEXT NULL,
                    "DisplayName" TEXT NULL,
                    "DisplayNames" TEXT NULL,
                    "Name" TEXT NULL,
                    "Properties" TEXT NULL,
                    "Resources" TEXT NULL
                );

                CREATE TABLE "identity_openiddict_authorizations" (
                    "Id" TEXT NOT NULL CONSTRAINT "PK_identity_openiddict_authorizations" PRIMARY KEY,
                    "ApplicationId" TEXT NULL,
                    "ConcurrencyToken" TEXT NULL,
                    "CreationDate" TEXT NULL,
                    "Properties" TEXT NULL,
                    "Scopes" TEXT NULL,
                    "Status" TEXT NULL,
                    "Subject" TEXT NULL,
                    "Type" TEXT NULL,
                    CONSTRAINT "FK_identity_openiddict_authorizations_identity_openiddict_applications_ApplicationId" FOREIGN KEY ("ApplicationId") REFERENCES "identity_openiddict_applications" ("Id")
                );

                CREATE TABLE "identity_openiddict_tokens" (
                    "Id" TEXT NOT NULL CONSTRAINT "PK_identity_openiddict_tokens" PRIMARY KEY,
                    "ApplicationId" TEXT NULL,
                    "AuthorizationId" TEXT NULL,
                    "ConcurrencyToken" TEXT NULL,
                    "CreationDate" TEXT NULL,
                    "ExpirationDate" TEXT NULL,
                    "Payload" TEXT NULL,
                    "Properties" TEXT NULL,
                    "RedemptionDate" TEXT NULL,
                    "ReferenceId" TEXT NULL,
                    "Status" TEXT NULL,
                    "Subject" TEXT NULL,
                    "Type" TEXT NULL,
                    CONSTRAINT "FK_identity_openiddict_tokens_identity_openiddict_applications_ApplicationId" FOREIGN KEY ("ApplicationId") REFERENCES "identity_openiddict_applications" ("Id"),
                    CONSTRAINT "FK_identity_openiddict_tokens_identity_openiddict_authorizations_AuthorizationId" FOREIGN KEY ("AuthorizationId") REFERENCES "identity_openiddict_authorizations" ("Id")
                );

                CREATE UNIQUE INDEX "IX_identity_openiddict_applications_ClientId" ON "identity_openiddict_applications" ("ClientId");

                CREATE INDEX "IX_identity_openiddict_authorizations_ApplicationId_Status_Subject_Type" ON "identity_openiddict_authorizations" ("ApplicationId", "Status", "Subject", "Type");

                CREATE UNIQUE INDEX "IX_identity_openiddict_scopes_Name" ON "identity_openiddict_scopes" ("Name");

                CREATE INDEX "IX_identity_openiddict_tokens_ApplicationId_Status_Subject_Type" ON "identity_openiddict_tokens" ("ApplicationId", "Status", "Subject", "Type");

                CREATE INDEX "IX_identity_openiddict_tokens_AuthorizationId" ON "identity_openiddict_tokens" ("AuthorizationId");

                CREATE UNIQUE INDEX "IX_identity_openiddict_tokens_ReferenceId" ON "identity_openiddict_tokens" ("ReferenceId");
                """,
            PostgreSql: """
                CREATE SCHEMA IF NOT EXISTS identity;

                CREATE TABLE identity.openiddict_applications (
                    "Id" text NOT NULL,
                    "ApplicationType" character varying(50),
                    "ClientId" character varying(100),
                    "ClientSecret" text,
                    "ClientType" character varying(50),
                    "ConcurrencyToken" character varying(50),
                    "ConsentType" character varying(50),
                    "DisplayName" text,
                    "DisplayNames" text,
                    "JsonWebKeySet" text,
                    "Permissions" text,
                    "PostLogoutRedirectUris" text,
                    "Properties" text,
                    "RedirectUris" text,
                    "Requirements" text,
                    "Settings" text,
                    CONSTRAINT "PK_openiddict_applications" PRIMARY KEY ("Id")
                );

                CREATE TABLE identity.openiddict_scopes (
                    "Id" text NOT NULL,
                    "ConcurrencyToken" character varying(50),
                    "Description" text,
                    "Descriptions" text,
                    "DisplayName" text,
                    "DisplayNames" text,
                    "Name" character varying(200),
                    "Properties" text,
                    "Resources" text,
                    CONSTRAINT "PK_openiddict_scopes" PRIMARY KEY ("Id")
                );

                CREATE TABLE identity.openiddict_authorizations (
                    "Id" text NOT NULL,
                    "ApplicationId" text,
                    "ConcurrencyToken" character varying(50),
                    "CreationDate" timestamp with time zone,
                    "Properties" text,
                    "Scopes" text,
                    "Status" character varying(50),
                    "Subject" character varying(400),
                    "Type" character varying(50),
                    CONSTRAINT "PK_openiddict_authorizations" PRIMARY KEY ("Id"),
                    CONSTRAINT "FK_openiddict_authorizations_openiddict_applications_Applicati~" FOREIGN KEY ("ApplicationId") REFERENCES identity.openiddict_applications ("Id")
                );

                CREATE TABLE identity.openiddict_tokens (
                    "Id" text NOT NULL,
                    "ApplicationId" text,
                    "AuthorizationId" text,
                    "ConcurrencyToken" character varying(50),
                    "CreationDate" timestamp with time zone,
                    "ExpirationDate" timestamp with time zone,
                    "Payload" text,
                    "Properties" text,
                    "RedemptionDate" timestamp with time zone,
                    "ReferenceId" character varying(100),
                    "Status" character varying(50),
                    "Subject" character varying(400),
                    "Type" character varying(150),
                    CONSTRAINT "PK_openiddict_tokens" PRIMARY KEY ("Id"),
                    CONSTRAINT "FK_openiddict_tokens_openiddict_applications_ApplicationId" FOREIGN KEY ("ApplicationId") REFERENCES identity.openiddict_applications ("Id"),
                    CONSTRAINT "FK_openiddict_tokens_openiddict_authorizations_AuthorizationId" FOREIGN KEY ("AuthorizationId") REFERENCES identity.openiddict_authorizations ("Id")
                );

                CREATE UNIQUE INDEX "IX_openiddict_applications_ClientId" ON identity.openiddict_applications ("ClientId");

                CREATE INDEX "IX_openiddict_authorizations_ApplicationId_Status_Subject_Type" ON identity.openiddict_authorizations ("ApplicationId", "Status", "Subject", "Type");

                CREATE UNIQUE INDEX "IX_openiddict_scopes_Name" ON identity.openiddict_scopes ("Name");

                CREATE INDEX "IX_openiddict_tokens_ApplicationId_Status_Subject_Type" ON identity.openiddict_tokens ("ApplicationId", "Status", "Subject", "Type");

                CREATE INDEX "IX_openiddict_tokens_AuthorizationId" ON identity.openiddict_tokens ("AuthorizationId");

                CREATE UNIQUE INDEX "IX_openiddict_tokens_ReferenceId" ON identity.openiddict_tokens ("ReferenceId");
                """),
        new(Module, 3, "issuer keys shared by every replica; EHR launch contexts",
            Sqlite: """
                CREATE TABLE identity_keys (
                    name TEXT PRIMARY KEY,
                    pem TEXT NOT NULL,
                    created_at INTEGER NOT NULL
                );
                CREATE TABLE identity_launch_contexts (
                    id TEXT PRIMARY KEY,
                    client_id TEXT NOT NULL,
                    context TEXT NOT NULL,
                    expires_at INTEGER NOT NULL
                );
                CREATE INDEX identity_launch_contexts_expiry ON identity_launch_contexts (expires_at);
                """,
            PostgreSql: """
                CREATE TABLE identity.keys (
                    name text PRIMARY KEY,
                    pem text NOT NULL,
                    created_at bigint NOT NULL
                );
                CREATE TABLE identity.launch_contexts (
                    id text PRIMARY KEY,
                    client_id text NOT NULL,
                    context text NOT NULL,
                    expires_at bigint NOT NULL
                );
                CREATE INDEX launch_contexts_expiry ON identity.launch_contexts (expires_at);
                """),
    ];
}
