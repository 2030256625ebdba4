// Doctor: every model of the manifest is present, has the right sha256, and loads in onnxruntime. An optional model
// (PicoDet-S, the second opinion on COCO classes) that is missing only warns: the agent runs without it.
import { loadSession, readManifest } from '../../adapters/modelFiles.ts';
import type { CheckContext, CheckResult } from './check.ts';

export async function checkModels({ config }: CheckContext): Promise<CheckResult> {
  const models = readManifest();
  const problems: string[] = [];
  const optionalMissing: string[] = [];
  for (const { name, optional } of models) {
    try {
      const loaded = await loadSession(config.models.dir, name, 1);
      await loaded.session.release();
    } catch (err) {
      if (optional === true) optionalMissing.push(`${(err as Error).message} (optional: the agent runs without it, unsure answers stay uncertain)`);
      else problems.push((err as Error).message);
    }
  }
  if (problems.length > 0) return { name: 'models', status: 'fail', detail: [...problems, ...optionalMissing].join(' · ') };
  if (optionalMissing.length > 0) return { name: 'models', status: 'warn', detail: optionalMissing.join(' · ') };
  return { name: 'models', status: 'ok', detail: `${models.length} models in ${config.models.dir}: sha256 ok, loadable` };
}
