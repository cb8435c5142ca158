namespace OpenNdi.Server.Platform;

/// <summary>
/// Settings of section <c>Modules</c>: which of the demo's parts this process hosts. The national services always
/// run; the demo parts run only where they are switched on, which <c>appsettings.Development.json</c> does for the
/// README's <c>dotnet run</c>. They are off by default, and a Production process refuses to start with any of them
/// on unless <see cref="AllowDemoInProduction"/> says so explicitly (a public demo site).
/// </summary>
public sealed class HostedModules
{
    /// <summary>Seeds a synthetic population into an empty database (ADR 0004).</summary>
    public bool DemoPopulation { get; set; }

    /// <summary>The simulated providers' EHRs at <c>/sim</c>, registered in the directory and the index; they answer without a token.</summary>
    public bool Simulator { get; set; }

    /// <summary>The passwordless login (<c>/oauth/authorize</c> with a list of synthetic people) and the <c>/demo</c> page.</summary>
    public bool DemoLogin { get; set; }

    /// <summary>Lets a Production process host the demo parts. Only for a public demonstration with synthetic data.</summary>
    public bool AllowDemoInProduction { get; set; }

    public bool AnyDemo => DemoPopulation || Simulator || DemoLogin;

    /// <summary>Why this combination cannot start in <paramref name="environment"/>; empty when it can.</summary>
    public IReadOnlyList<string> Validate(IHostEnvironment environment)
    {
        var problems = new List<string>();
        if (DemoLogin && !Simulator)
            problems.Add("Modules:DemoLogin needs Modules:Simulator: the demo's clinicians work at the simulated providers");
        if (environment.IsProduction() && AnyDemo && !AllowDemoInProduction)
        {
            var on = string.Join(", ", new[] { (DemoPopulation, "Modules:DemoPopulation"), (Simulator, "Modules:Simulator"), (DemoLogin, "Modules:DemoLogin") }.Where(m => m.Item1).Select(m => m.Item2));
            problems.Add($"{on} must be off in Production: they bring synthetic patients, EHRs that answer anyone without a token and a login without a password. "
                + "Switch them off (Modules__DemoPopulation=false, Modules__Simulator=false, Modules__DemoLogin=false), or, for a public demonstration with synthetic data only, set Modules__AllowDemoInProduction=true");
        }
        return problems;
    }
}

internal static class HostedModulesSetup
{
    /// <summary>Reads and checks section <c>Modules</c>; throws, saying why, when the process must not start.</summary>
    public static HostedModules AddHostedModules(this WebApplicationBuilder builder)
    {
        var modules = builder.Configuration.GetSection("Modules").Get<HostedModules>() ?? new HostedModules();
        if (modules.Validate(builder.Environment) is { Count: > 0 } problems)
            throw new InvalidOperationException($"Refusing to start ({builder.Environment.EnvironmentName}): " + string.Join("; ", problems));
        builder.Services.AddSingleton(modules);
        return modules;
    }
}
