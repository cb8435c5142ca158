using OpenNdi.Fhir.Validation;

namespace OpenNdi.Testing;

/// <summary>
/// The one <see cref="IpsProfileValidator"/> of a test process, over the FHIR packages in ../shared/fhir-packages
/// (the IPS package and the extension definitions it needs; never copied into the repository). Shared because its
/// first validation compiles the profiles, which takes seconds; created on first use, so a test run that validates
/// nothing pays nothing.
/// </summary>
public static class IpsValidation
{
    private static readonly Lazy<IpsProfileValidator> Shared = new(() => new IpsProfileValidator(PackagesDirectory), LazyThreadSafetyMode.ExecutionAndPublication);

    public static string PackagesDirectory => SharedFolder.Find("fhir-packages");

    public static IpsProfileValidator Validator => Shared.Value;
}
