import { chmodSync, mkdtempSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadOrCreateDeviceKey } from '../../agent/adapters/deviceKey.ts';

const dir = () => mkdtempSync(path.join(tmpdir(), 'tilsyn-key-'));

describe('device key', () => {
  it('is created once, 0600, in a folder that did not exist, and read back the same afterwards', () => {
    const file = path.join(dir(), 'etc', 'device.key');
    const key = loadOrCreateDeviceKey(file);
    expect(key).toHaveLength(32);
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(loadOrCreateDeviceKey(file).equals(key)).toBe(true);
    expect(readFileSync(file).equals(key)).toBe(true);
  });

  it('is created whole or not at all: never a short file under the key name, no temporary file left', () => {
    const folder = dir();
    const file = path.join(folder, 'device.key');
    const key = loadOrCreateDeviceKey(file);
    expect(readdirSync(folder)).toEqual(['device.key']);
    expect(readFileSync(file).equals(key)).toBe(true);
    // A leftover temporary file from a crash mid-write is not the key and does not stop the next start.
    const other = path.join(dir(), 'device.key');
    writeFileSync(`${other}.123.abcd.tmp`, Buffer.alloc(5), { mode: 0o600 });
    expect(loadOrCreateDeviceKey(other)).toHaveLength(32);
  });

  it('refuses a key file others can read, naming the fix', () => {
    const file = path.join(dir(), 'device.key');
    writeFileSync(file, Buffer.alloc(32, 1));
    chmodSync(file, 0o644);
    expect(() => loadOrCreateDeviceKey(file)).toThrow(/chmod 600/);
  });

  it('refuses a key of the wrong length', () => {
    const file = path.join(dir(), 'device.key');
    writeFileSync(file, Buffer.alloc(16, 1), { mode: 0o600 });
    expect(() => loadOrCreateDeviceKey(file)).toThrow(/16 bytes, not 32/);
  });
});
