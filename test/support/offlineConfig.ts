// An agent configuration for the commands an operator runs beside the daemon (`tilsyn queue`, `audit verify`,
// `redact --config`): valid, with a broker and an ingest that nothing listens on, so no test reaches the network.

/** The configuration's YAML (its data folder `./data` beside the file), with `extra` lines appended. */
export function offlineConfigLines(extra: readonly string[] = []): string {
  return [
    'vehicleId: v1',
    'fleetId: f1',
    'dataDir: ./data',
    'gps: { source: gpsd }',
    'mqtt: { url: "mqtt://127.0.0.1:1" }',
    'ingest: { url: "http://127.0.0.1:1", token: t }',
    'tasks: { allowUnsigned: true }',
    ...extra,
  ].join('\n');
}
