using System.CommandLine;

namespace OpenNdi.Cli;

/// <summary><c>ndi audit</c>: the tamper-evident access log (issue 5): verify its chains, and load it for tests.</summary>
internal static class AuditCommand
{
    public static Command Create() => new("audit", "Work with the audit log: verify its hash chains, or append synthetic records under load.")
    {
        AuditVerifyCommand.Create(),
        AuditAppendLoadCommand.Create(),
    };
}
