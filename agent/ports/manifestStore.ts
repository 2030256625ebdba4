// Manifest store port: the last manifest taken per scope, kept across restarts (what to hold, and the revision below
// which a manifest is a replay).

export interface StoredManifest {
  readonly scope: 'vehicle' | 'fleet';
  readonly revision: number;
  /** The message as received, so its signature can be checked again at start. */
  readonly payload: Buffer;
}

export interface ManifestStore {
  load(): StoredManifest[];
  save(manifest: StoredManifest): void;
}
