using OpenNdi.Core.Audit;
using OpenNdi.Server.Audit;
using OpenNdi.Synthetic.Simulator;

namespace OpenNdi.Server.Demo;

/// <summary>
/// The provider EHR simulator as this host serves it in the demo: its routes (OpenNdi.Synthetic) inside a group that
/// declares their audit, so every read of a simulated record and every change of a simulated provider's behaviour is
/// in the log like any other access (it is personal data, even when synthetic).
/// </summary>
internal static class SimulatorHosting
{
    public static IEndpointRouteBuilder MapSimulatedProviders(this IEndpointRouteBuilder app)
    {
        var simulated = app.MapGroup("");
        simulated.MapSimulator();
        simulated.AuditedPublic(AuditEventCodes.SimulatorRead, AuditAction.Execute);
        return app;
    }
}
