import { describe, expect, it } from 'vitest';
import { configSchema } from '../../../agent/config/schema.ts';
import { parseRedactionSettings, redactionSettingsSchema } from '../../../agent/core/redaction/redactionSettings.ts';

describe('redaction settings: one validated object', () => {
  it('defaults every key, nested groups too', () => {
    const s = parseRedactionSettings({});
    expect(s.faces.longSide).toBe(960);
    // No rows of the frame are fixed: the camera geometry places them, unless an installer sets them.
    expect(s.faces.band).toBeUndefined();
    expect(s.text.band.top).toBeUndefined();
    expect(s.text.band.horizon).toBeUndefined();
    expect(s.geometry.faceCentreMinM).toBe(1.45);
    expect(s.plan.plateZone.bandTop).toBe(0.4);
    expect(s.models.text).toBe('ppocrv3_det_en');
    expect(s.deadlineMs).toBeUndefined();
  });
  it('a part given keeps the rest of its group at the defaults', () => {
    const s = parseRedactionSettings({ faces: { bandScale: 1.5 }, plan: { cabinZone: { cueMaxPerVehicle: 2 } } });
    expect(s.faces.bandScale).toBe(1.5);
    expect(s.faces.bandMaxPx).toBe(48);
    expect(s.plan.cabinZone.cueMaxPerVehicle).toBe(2);
    expect(s.plan.cabinZone.cueSideFraction).toBe(0.2);
  });
  it('a bad value or an unknown key is an error naming it, every one at once', () => {
    expect(() => parseRedactionSettings({ faces: { band: { top: 0.7, bottom: 0.3 } }, plates: { objThreshold: 2 }, faceBand: null })).toThrow(
      /faces\.band: band\.top must be above band\.bottom.*plates\.objThreshold.*faceBand/,
    );
  });
  it('the config\'s redaction section is the same object (with the vehicle\'s own defaults)', () => {
    const config = configSchema.shape.redaction.parse({ text: { maxCrops: 3 } });
    expect(config.text.maxCrops).toBe(3);
    expect(config.deadlineMs).toBe(5000);
    expect(() => configSchema.shape.redaction.parse({ plan: { nope: 1 } })).toThrow();
    expect(Object.keys(configSchema.shape.redaction.parse({})).sort()).toEqual(Object.keys(parseRedactionSettings({ deadlineMs: 1 })).sort());
    expect(Object.keys(redactionSettingsSchema.shape)).toContain('plan');
  });
});
