// Table tests for NMEA parsing, writing and the fixture drive generator.
import { describe, expect, it } from 'vitest';
import {
  bearingDeg,
  driveAlong,
  formatGga,
  formatRmc,
  formatTrack,
  haversineM,
  nmeaChecksum,
  nmeaSentence,
  parseNmea,
  readNmeaEpochs,
  trackToNmea,
} from '../../../agent/core/gps/nmea.ts';

const KN = 1852 / 3600;

describe('parseNmea', () => {
  it.each([
    [
      'classic GPRMC',
      '$GPRMC,123519,A,4807.038,N,01131.000,E,022.4,084.4,230394,003.1,W*6A',
      {
        type: 'RMC',
        talker: 'GP',
        valid: true,
        timeOfDayMs: 45_319_000,
        timeMs: Date.UTC(1994, 2, 23, 12, 35, 19),
        lat: 48 + 7.038 / 60,
        lon: 11 + 31 / 60,
        speedMps: 22.4 * KN,
        trackDeg: 84.4,
      },
    ],
    [
      'classic GPGGA',
      '$GPGGA,123519,4807.038,N,01131.000,E,1,08,0.9,545.4,M,46.9,M,,*47',
      {
        type: 'GGA',
        talker: 'GP',
        timeOfDayMs: 45_319_000,
        quality: 1,
        lat: 48 + 7.038 / 60,
        lon: 11 + 31 / 60,
        satellites: 8,
        hdop: 0.9,
        altitudeM: 545.4,
      },
    ],
    [
      'GNRMC, southern/western hemisphere, fractional seconds',
      nmeaSentence('GNRMC,235959.50,A,3351.12345,S,15112.54321,W,0.00,,010125,,,A,V'),
      {
        type: 'RMC',
        talker: 'GN',
        valid: true,
        timeOfDayMs: 86_399_500,
        timeMs: Date.UTC(2025, 0, 1, 23, 59, 59, 500),
        lat: -(33 + 51.12345 / 60),
        lon: -(151 + 12.54321 / 60),
        speedMps: 0,
      },
    ],
    [
      'void RMC without position',
      nmeaSentence('GPRMC,081500.00,V,,,,,,,020625,,,N'),
      { type: 'RMC', talker: 'GP', valid: false, timeOfDayMs: 29_700_000, timeMs: Date.UTC(2025, 5, 2, 8, 15) },
    ],
    ['GGA without fix', nmeaSentence('GNGGA,081500.00,,,,,0,00,99.99,,,,,,'), {
      type: 'GGA',
      talker: 'GN',
      timeOfDayMs: 29_700_000,
      quality: 0,
      satellites: 0,
      hdop: 99.99,
    }],
    ['lower-case checksum', '$GPRMC,123519,A,4807.038,N,01131.000,E,022.4,084.4,230394,003.1,W*6a', { type: 'RMC', lat: 48 + 7.038 / 60 }],
  ])('%s', (_name, line, expected) => {
    const parsed = parseNmea(line);
    expect(parsed).toBeDefined();
    for (const [key, value] of Object.entries(expected)) {
      if (typeof value === 'number') expect((parsed as unknown as Record<string, number>)[key]).toBeCloseTo(value, 9);
      else expect((parsed as unknown as Record<string, unknown>)[key]).toEqual(value);
    }
    if (!('lat' in expected)) expect(parsed).not.toHaveProperty('lat');
  });

  it.each([
    ['wrong checksum', '$GPRMC,123519,A,4807.038,N,01131.000,E,022.4,084.4,230394,003.1,W*6B'],
    ['no checksum', '$GPRMC,123519,A,4807.038,N,01131.000,E,022.4,084.4,230394,003.1,W'],
    ['other sentence type', nmeaSentence('GPGSA,A,3,04,05,,09,12,,,24,,,,,2.5,1.3,2.1')],
    ['minutes ≥ 60', nmeaSentence('GPGGA,123519,4860.000,N,01131.000,E,1,08,0.9,545.4,M,46.9,M,,')],
    ['bad hemisphere', nmeaSentence('GPGGA,123519,4807.038,X,01131.000,E,1,08,0.9,545.4,M,46.9,M,,')],
    ['bad time', nmeaSentence('GPRMC,253519,A,4807.038,N,01131.000,E,022.4,084.4,230394,,')],
    ['garbage number', nmeaSentence('GPRMC,123519,A,4807.038,N,01131.000,E,fast,084.4,230394,,')],
    ['empty line', ''],
    ['not NMEA', 'hello*00'],
  ])('refuses %s', (_name, line) => {
    expect(parseNmea(line)).toBeUndefined();
  });

  it('computes the checksum as the XOR of the body', () => {
    expect(nmeaChecksum('GPRMC,123519,A,4807.038,N,01131.000,E,022.4,084.4,230394,003.1,W')).toBe('6A');
    expect(nmeaChecksum('')).toBe('00');
  });
});

describe('formatRmc / formatGga', () => {
  const point = {
    timeMs: Date.UTC(2025, 5, 2, 8, 0, 5, 0),
    lon: 12.5683,
    lat: 55.6761,
    speedMps: 30 / 3.6,
    trackDeg: 271.25,
  };

  it('round-trips through the parser', () => {
    const rmc = parseNmea(formatRmc(point));
    const gga = parseNmea(formatGga(point, { satellites: 7, hdop: 1.2 }));
    expect(rmc).toMatchObject({ type: 'RMC', valid: true, timeMs: point.timeMs });
    expect(rmc?.lat).toBeCloseTo(point.lat, 6);
    expect(rmc?.lon).toBeCloseTo(point.lon, 6);
    expect(rmc?.type === 'RMC' && rmc.speedMps).toBeCloseTo(point.speedMps, 2);
    expect(rmc?.type === 'RMC' && rmc.trackDeg).toBeCloseTo(271.25, 2);
    expect(gga).toMatchObject({ type: 'GGA', quality: 1, satellites: 7, hdop: 1.2, timeOfDayMs: 8 * 3600_000 + 5000 });
  });

  it.each([
    [55.999999999, 12.0, '5600.00000,N,01200.00000,E'],
    [-0.5, -0.25, '0030.00000,S,00015.00000,W'],
    [55.6761, 12.5683, '5540.56600,N,01234.09800,E'],
  ])('writes %s,%s as %s (carrying rounded minutes)', (lat, lon, expected) => {
    expect(formatGga({ ...point, lat, lon })).toContain(`,${expected},`);
  });

  it('writes exact known sentences', () => {
    expect(formatRmc(point)).toBe('$GPRMC,080005.00,A,5540.56600,N,01234.09800,E,16.20,271.25,020625,,,A*62');
  });
});

describe('driveAlong', () => {
  const line: Array<[number, number]> = [
    [12.56, 55.69],
    [12.57, 55.69],
    [12.57, 55.695],
  ];

  it('samples at 1 Hz along the polyline at constant speed', () => {
    const points = driveAlong(line, { speedKmh: 36, startMs: 0 });
    const totalM = haversineM(line[0]!, line[1]!) + haversineM(line[1]!, line[2]!);
    expect(points.length).toBe(Math.floor(totalM / 10) + 1);
    expect(points[0]).toMatchObject({ timeMs: 0, lon: 12.56, lat: 55.69, speedMps: 10 });
    for (let i = 1; i < points.length; i++) {
      const a = points[i - 1]!;
      const b = points[i]!;
      expect(b.timeMs - a.timeMs).toBe(1000);
      // straight-line distance between fixes never exceeds the distance driven
      expect(haversineM([a.lon, a.lat], [b.lon, b.lat])).toBeLessThanOrEqual(10.001);
    }
    expect(points[5]!.trackDeg).toBeCloseTo(90, 0); // eastwards first
    expect(points.at(-1)!.trackDeg).toBeCloseTo(0, 3); // then north
  });

  it.each([
    [[12.55, 55.69], [12.55, 55.7], 0],
    [[12.55, 55.69], [12.56, 55.69], 90],
    [[12.55, 55.69], [12.55, 55.68], 180],
    [[12.55, 55.69], [12.54, 55.69], 270],
  ] as Array<[[number, number], [number, number], number]>)('bearing from %j to %j is about %s°', (a, b, deg) => {
    expect(bearingDeg(a, b)).toBeCloseTo(deg, 0);
  });

  it('refuses degenerate input', () => {
    expect(() => driveAlong([[12, 55]], { speedKmh: 30, startMs: 0 })).toThrow(/two points/);
    expect(() => driveAlong(line, { speedKmh: 0, startMs: 0 })).toThrow(/speed/);
  });

  it('writes a drive that reads back as the same epochs', () => {
    const points = driveAlong(line, { speedKmh: 30, startMs: Date.UTC(2025, 5, 2, 8) });
    const epochs = readNmeaEpochs(formatTrack(points).join('\r\n'));
    expect(epochs).toHaveLength(points.length);
    epochs.forEach((e, i) => {
      expect(e.timeMs).toBe(points[i]!.timeMs);
      expect(e.lat).toBeCloseTo(points[i]!.lat, 6);
      expect(e.lon).toBeCloseTo(points[i]!.lon, 6);
      expect(e.valid).toBe(true);
      expect(e.hdop).toBe(0.9);
    });
    const whole = trackToNmea(line, 30, Date.UTC(2025, 5, 2, 8));
    expect(whole.fixes).toBe(points.length);
    expect(whole.text.split('\r\n').filter(Boolean)).toHaveLength(points.length * 2);
  });
});

describe('readNmeaEpochs', () => {
  it('merges RMC and GGA of the same second, skips junk and dates GGA-only epochs', () => {
    const text = [
      nmeaSentence('GPRMC,080000.00,A,5541.40000,N,01233.00000,E,10.00,90.00,020625,,,A'),
      nmeaSentence('GPGGA,080000.00,5541.40000,N,01233.00000,E,1,08,1.1,10.0,M,41.5,M,,'),
      'garbage',
      nmeaSentence('GPGSV,1,1,00'),
      '$GPGGA,080001.00,5541.40000,N,01233.00000,E,1,08,1.1,10.0,M,41.5,M,,*00',
      nmeaSentence('GPGGA,080002.00,5541.40100,N,01233.00000,E,1,08,1.1,10.0,M,41.5,M,,'),
      nmeaSentence('GPRMC,080003.00,V,,,,,,,020625,,,N'),
    ].join('\n');
    const epochs = readNmeaEpochs(text);
    expect(epochs).toHaveLength(2);
    expect(epochs[0]).toMatchObject({ timeMs: Date.UTC(2025, 5, 2, 8), valid: true, trackDeg: 90, hdop: 1.1 });
    expect(epochs[1]).toMatchObject({ timeMs: Date.UTC(2025, 5, 2, 8, 0, 2), valid: true });
    expect(epochs[1]).not.toHaveProperty('speedMps');
  });
});
