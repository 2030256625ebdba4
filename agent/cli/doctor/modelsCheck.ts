// Doctor: every model of the manifest is present, has the right sha256, and loads in onnxruntime.
import { loadSession, readManifest } from '../../adapters/modelFiles.ts';
import type { CheckContext, CheckResult } from './check.ts';

export async function checkModels({ config }: CheckContext): Promise<CheckResult> {
  const names = readManifest().map((m) => m.name);
  const problems: string[] = [];
  for (const name of names) {
    try {
      const loaded = await loadSession(config.models.dir, name, 1);
      await loaded.session.release();
    } catch (err) {
      problems.push((err as Error).message);
    }
  }
  if (problems.length > 0) return { name: 'models', status: 'fail', detail: problems.join(' · ') };
  return { name: 'models', status: 'ok', detail: `${names.length} models in ${config.models.dir}: sha256 ok, loadable` };
}
