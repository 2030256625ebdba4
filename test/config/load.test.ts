import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../agent/config/load.ts';

const fixtures = new URL('../../fixtures/config/', import.meta.url).pathname;

describe('loadConfig', () => {
  it('accepts a valid file and fills defaults', () => {
    const config = loadConfig(path.join(fixtures, 'valid.yaml'), {});
    expect(config.vehicleId).toBe('sweeper-07');
    expect(config.mqtt.topicPrefix).toBe('tilsyn/v1');
    expect(config.trigger.everyM).toBe(10);
    expect(config.models.dir).toMatch(/models$/);
    expect(Object.isFrozen(config.gps)).toBe(true);
  });

  it('reports every problem at once, each with its key path', () => {
    let error: unknown;
    try {
      loadConfig(path.join(fixtures, 'invalid.yaml'), {});
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(ConfigError);
    const problems = (error as ConfigError).problems.join('\n');
    expect(problems).toContain('fleetId');
    expect(problems).toContain('gps.port');
    expect(problems).toContain('mqtt.url');
    expect(problems).toContain('mqtt: unknown key "topicPrefx"');
    expect(problems).toContain('camera.path');
    expect(problems).toContain('ingest.url');
  });

  it('lets TILSYN_* environment variables override the file, with types', () => {
    const config = loadConfig(path.join(fixtures, 'valid.yaml'), {
      TILSYN_MQTT__URL: 'mqtt://127.0.0.1:1884',
      TILSYN_CAMERA__GRAB_TIMEOUT_MS: '500',
      TILSYN_VEHICLE_ID: 'bus-12',
    });
    expect(config.mqtt.url).toBe('mqtt://127.0.0.1:1884');
    expect(config.camera.grabTimeoutMs).toBe(500);
    expect(config.vehicleId).toBe('bus-12');
  });

  it("takes the camera's geometry (mount height, pitch) with defaults, and names a bad one", () => {
    const config = loadConfig(path.join(fixtures, 'valid.yaml'), { TILSYN_CAMERA__PITCH_DEG: '4.5' });
    expect(config.camera.mountHeightM).toBe(1.4);
    expect(config.camera.pitchDeg).toBe(4.5);
    let error: unknown;
    try {
      loadConfig(path.join(fixtures, 'valid.yaml'), { TILSYN_CAMERA__MOUNT_HEIGHT_M: '40' });
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).problems.join('\n')).toContain('camera.mountHeightM');
  });

  it('names the file when it is not YAML or not there', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'tilsyn-config-'));
    const bad = path.join(dir, 'bad.yaml');
    writeFileSync(bad, 'vehicleId: [unclosed\n');
    expect(() => loadConfig(bad, {})).toThrow(/bad\.yaml[\s\S]*not valid YAML/);
    expect(() => loadConfig(path.join(dir, 'missing.yaml'), {})).toThrow(/cannot read the file/);
  });

  it('resolves relative paths against the config file', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'tilsyn-config-'));
    const file = path.join(dir, 'agent.yaml');
    writeFileSync(
      file,
      [
        'vehicleId: v1',
        'fleetId: f1',
        'dataDir: ./data',
        'gps: { source: nmea-file, path: drive.nmea }',
        'mqtt: { url: "mqtt://127.0.0.1:1883" }',
        'camera: { source: test }',
        'ingest: { url: "http://127.0.0.1:8080", token: t }',
        'tasks: { allowUnsigned: true }',
      ].join('\n'),
    );
    const config = loadConfig(file, {});
    expect(config.dataDir).toBe(path.join(dir, 'data'));
    expect(config.gps.source === 'nmea-file' && config.gps.path).toBe(path.join(dir, 'drive.nmea'));
  });
});
