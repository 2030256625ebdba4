// The board's own figures: CPU temperature from sysfs-shaped thermal zones, free disk from a real file system.
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { cpuTemperatureC, diskSpaceOf } from '../../agent/adapters/systemProbe.ts';

function thermalRoot(zones: Record<string, { type?: string; temp: string }>): string {
  const root = mkdtempSync(path.join(tmpdir(), 'tilsyn-thermal-'));
  for (const [name, zone] of Object.entries(zones)) {
    mkdirSync(path.join(root, name));
    writeFileSync(path.join(root, name, 'temp'), `${zone.temp}\n`);
    if (zone.type !== undefined) writeFileSync(path.join(root, name, 'type'), `${zone.type}\n`);
  }
  return root;
}

describe('cpuTemperatureC', () => {
  it('reads a Raspberry Pi zone in millidegrees', () => {
    expect(cpuTemperatureC(thermalRoot({ thermal_zone0: { type: 'cpu-thermal', temp: '52612' } }))).toBe(52.6);
  });

  it('prefers the CPU zones over hotter other ones (a Jetson has GPU and PMIC zones)', () => {
    const root = thermalRoot({
      thermal_zone0: { type: 'CPU-therm', temp: '48500' },
      thermal_zone1: { type: 'GPU-therm', temp: '47000' },
      thermal_zone2: { type: 'PMIC-Die', temp: '100000' },
    });
    expect(cpuTemperatureC(root)).toBe(48.5);
  });

  it('falls back to the hottest zone when none is named for the CPU, and skips unreadable ones', () => {
    const root = thermalRoot({ thermal_zone0: { type: 'acpitz', temp: '41000' }, thermal_zone1: { temp: 'garbage' } });
    expect(cpuTemperatureC(root)).toBe(41);
  });

  it('is null where the board has no thermal zones (most VMs and containers)', () => {
    expect(cpuTemperatureC(thermalRoot({}))).toBeNull();
    expect(cpuTemperatureC('/nonexistent/thermal')).toBeNull();
  });
});

describe('diskSpaceOf', () => {
  it('reads free and total bytes of a real file system, null for a missing folder', () => {
    const space = diskSpaceOf(tmpdir());
    expect(space!.totalBytes).toBeGreaterThan(0);
    expect(space!.freeBytes).toBeGreaterThan(0);
    expect(space!.freeBytes).toBeLessThanOrEqual(space!.totalBytes);
    expect(diskSpaceOf('/nonexistent/folder')).toBeNull();
  });
});
