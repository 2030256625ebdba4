// The position source the config names (gps.source): the one place that maps a GPS source to its adapter.
import type { Logger } from 'pino';
import type { Config } from '../../config/schema.ts';
import { systemClock, type Clock } from '../../ports/clock.ts';
import type { GpsSource } from '../../ports/gps.ts';
import { GpsdClient } from '../gpsdClient.ts';
import { NmeaFileGps } from '../nmeaFileGps.ts';

/** The clock paces a replayed file (nmea-file) and stamps its fixes; a live receiver brings its own time. */
export function createGps(config: Pick<Config, 'gps'>, log: Logger, clock: Clock = systemClock): GpsSource {
  const gps = config.gps;
  switch (gps.source) {
    case 'gpsd':
      return new GpsdClient({ host: gps.host, port: gps.port }, log);
    case 'nmea-file':
      return new NmeaFileGps({ path: gps.path, speed: gps.speed, loop: gps.loop }, clock, log);
  }
}
