using OpenNdi.Core.Identifiers;

namespace OpenNdi.Core.Policy;

/// <summary>Who asks for a patient's data. Built from a validated token at the edge; the policy trusts nothing else.</summary>
public abstract record Actor;

/// <summary>
/// A health professional (HSA-id) logged in at a care unit of a provider, with the assignment (medarbetaruppdrag)
/// that gives access to patient data, and the declared purpose of use.
/// </summary>
public sealed record ProfessionalActor(HsaId Id, HsaId Provider, HsaId CareUnit, Assignment? Assignment, string PurposeOfUse) : Actor;

/// <summary>
/// An assignment. Only one that covers coherent record keeping (sammanhållen journalföring, PDL 6 kap.) gives access
/// to other providers' data; it may end.
/// </summary>
public sealed record Assignment(string Id, bool CoversOtherProviders, DateOnly? ValidTo = null)
{
    public bool ActiveOn(DateOnly day) => ValidTo is not { } end || day <= end;
}

/// <summary>A person logged in with e-identification: the patient, or someone who may represent them.</summary>
public sealed record PersonActor(PersonalIdentityNumber Person) : Actor;

/// <summary>A system without a user (SMART Backend Services), belonging to a provider or to none.</summary>
public sealed record SystemActor(string ClientId, HsaId? Provider) : Actor;

/// <summary>Someone who runs the infrastructure. Operators never see patient data.</summary>
public sealed record OperatorActor(string Id) : Actor;
