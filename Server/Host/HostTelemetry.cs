using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;
using OpenTelemetry.Trace;
using SocketIoChat.SocketIo;

namespace SocketIoChat.Host;

/// <summary>
/// OpenTelemetry for the host, only when an OTLP endpoint is configured: the standard
/// <c>OTEL_EXPORTER_OTLP_ENDPOINT</c> (and <c>OTEL_EXPORTER_OTLP_PROTOCOL</c>, <c>OTEL_SERVICE_NAME</c>…)
/// as environment variables, or in configuration (<c>--OTEL_EXPORTER_OTLP_ENDPOINT=…</c>,
/// appsettings.json). Traces: the Socket.IO spans and ASP.NET Core's requests; metrics: the
/// engine and Socket.IO meters and ASP.NET Core's.
/// </summary>
internal static class HostTelemetry
{
    public static void Configure(WebApplicationBuilder builder)
    {
        if (string.IsNullOrWhiteSpace(builder.Configuration["OTEL_EXPORTER_OTLP_ENDPOINT"]))
        {
            return;
        }
        builder.Services.AddOpenTelemetry()
            .ConfigureResource(resource => resource.AddService(builder.Configuration["OTEL_SERVICE_NAME"] ?? "SocketIoChat"))
            .WithTracing(tracing => tracing
                .AddSource(SocketIoTelemetry.ActivitySourceName)
                .AddAspNetCoreInstrumentation()
                .AddOtlpExporter())
            .WithMetrics(metrics => metrics
                .AddMeter([.. SocketIoTelemetry.MeterNames])
                .AddAspNetCoreInstrumentation()
                .AddOtlpExporter());
    }
}
