using OpenNdi.Core.Identifiers;
using OpenNdi.Core.Index;
using OpenNdi.Core.Policy;
using OpenNdi.Fhir.Merging;

namespace OpenNdi.Server.ProfessionalAccess;

/// <summary>
/// Items an access answer holds besides the providers' (e.g. dispensations reported from abroad through the national
/// contact point): each decided by the access policy with <paramref name="decide"/> like any provider's item.
/// </summary>
internal interface IAdditionalItems
{
    Task<IReadOnlyList<SourcedItem>> ItemsAsync(PersonalIdentityNumber patient, string patientFullUrl, IReadOnlyCollection<DataCategory> categories,
        Func<string, bool> covers, Func<RequestedItem, ItemDecision> decide,
        Func<IEnumerable<HsaId>, CancellationToken, Task<IReadOnlyDictionary<HsaId, string?>>> namesOf, CancellationToken cancellationToken);
}
