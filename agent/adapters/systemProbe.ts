// Reads the machine's own figures for the status: free disk on the data folder's file system, and the CPU
// temperature from the kernel's thermal zones where the board has them (Raspberry Pi, Jetson; not most VMs).
import { readdirSync, readFileSync, statfsSync } from 'node:fs';
import path from 'node:path';

export interface DiskSpace {
  /** Bytes an unprivileged writer may still use. */
  readonly freeBytes: number;
  readonly totalBytes: number;
}

/** Free and total bytes of the file system holding `dir`; null when it cannot be read. */
export function diskSpaceOf(dir: string): DiskSpace | null {
  try {
    const s = statfsSync(dir);
    return { freeBytes: s.bavail * s.bsize, totalBytes: s.blocks * s.bsize };
  } catch {
    return null;
  }
}

/** Zone types that are the CPU or the SoC it sits in, as the Pi, Jetson and x86 kernels name them. */
const CPU_ZONE = /cpu|soc|x86_pkg|package|core/i;

/**
 * The CPU temperature in °C: the hottest thermal zone whose type names the CPU, else the hottest zone of all;
 * null when there is none readable. sysfs reports millidegrees.
 */
export function cpuTemperatureC(thermalRoot = '/sys/class/thermal'): number | null {
  let names: string[];
  try {
    names = readdirSync(thermalRoot).filter((n) => n.startsWith('thermal_zone'));
  } catch {
    return null;
  }
  const zones: { type: string; celsius: number }[] = [];
  for (const name of names) {
    try {
      const milli = Number(readFileSync(path.join(thermalRoot, name, 'temp'), 'utf8').trim());
      if (!Number.isFinite(milli)) continue;
      let type = '';
      try {
        type = readFileSync(path.join(thermalRoot, name, 'type'), 'utf8').trim();
      } catch {
        /* a zone without a type still has a temperature */
      }
      zones.push({ type, celsius: milli / 1000 });
    } catch {
      /* unreadable zone (some report EINVAL while their sensor sleeps) */
    }
  }
  if (zones.length === 0) return null;
  const cpu = zones.filter((z) => CPU_ZONE.test(z.type));
  const pick = cpu.length > 0 ? cpu : zones;
  return Math.round(Math.max(...pick.map((z) => z.celsius)) * 10) / 10;
}
