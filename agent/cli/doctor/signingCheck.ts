// Doctor: who may point the camera — tasks taken only when signed by the city's key, or (warned) from anyone.
import type { CheckContext, CheckResult } from './check.ts';

export async function checkSigning({ config }: CheckContext): Promise<CheckResult> {
  const keys = config.tasks.publicKeys.length;
  if (keys === 0) {
    return {
      name: 'signing',
      status: 'warn',
      detail: 'unsigned tasks allowed (tasks.allowUnsigned): anyone who can publish on the broker can point the camera; set tasks.publicKeys',
    };
  }
  return { name: 'signing', status: 'ok', detail: `only signed tasks taken (${keys} trusted key${keys === 1 ? '' : 's'})` };
}
