using OpenNdi.Data.Consent;
using OpenNdi.SecondaryUse.Ports;

namespace OpenNdi.Server.Consent;

/// <summary>
/// The persons with a secondary-use opt-out in force (<c>optout-secondary</c>, issue 15), as the consent module gives
/// them to the secondary-use chain's port: read once per extract and per catalogue computation.
/// </summary>
internal sealed class SecondaryUseObjections(ConsentStore consents) : ISecondaryUseObjections
{
    public const string OptOutKind = "optout-secondary";

    public Task<IReadOnlySet<string>> ObjectingPersonsAsync(CancellationToken cancellationToken) => consents.PatientsWithActiveAsync(OptOutKind, cancellationToken);
}
