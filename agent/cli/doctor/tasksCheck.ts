// Doctor: the tasks this vehicle holds against its manifests, as the running agent last reported them (its retained
// status): warns while assigned tasks are missing or refused.
import mqtt from 'mqtt';
import { mqttProbeOptions } from '../../adapters/factories/createTaskChannel.ts';
import { statusSchema } from '../../core/tasks/messages.ts';
import { topicsFor } from '../../core/tasks/topics.ts';
import { within, type CheckContext, type CheckResult } from './check.ts';

export async function checkTasks({ config, timeoutMs }: CheckContext): Promise<CheckResult> {
  const topic = topicsFor({ prefix: config.mqtt.topicPrefix, fleetId: config.fleetId, vehicleId: config.vehicleId }).status;
  let client: mqtt.MqttClient | undefined;
  try {
    // The agent's TLS, credentials and protocol; a client id of its own beside the broker check's.
    const options = await mqttProbeOptions(config, timeoutMs);
    client = mqtt.connect(config.mqtt.url, { ...options, clientId: `${options.clientId ?? config.vehicleId}-tasks` });
    const connecting = client;
    const payload = await within(
      new Promise<Buffer | null>((resolve, reject) => {
        connecting.once('error', reject);
        connecting.once('close', () => reject(new Error('connection closed')));
        connecting.on('message', (_topic, message) => resolve(message));
        connecting.once('connect', () => {
          connecting.subscribe(topic, { qos: 1 }, (err) => {
            if (err) reject(err);
            // A retained status comes right after the SUBACK; none within a second: the agent never reported.
            else setTimeout(() => resolve(null), 1_000).unref();
          });
        });
      }),
      timeoutMs,
      'no answer',
    );
    return judge(payload);
  } catch (err) {
    const e = err as Error & { code?: string };
    return { name: 'tasks', status: 'warn', detail: `status not readable: ${e.code ?? e.message}` };
  } finally {
    client?.end(true);
  }
}

function judge(payload: Buffer | null): CheckResult {
  if (payload === null || payload.length === 0) return { name: 'tasks', status: 'warn', detail: 'no status on the broker: the agent has not run yet' };
  let raw: unknown;
  try {
    raw = JSON.parse(payload.toString());
  } catch {
    return { name: 'tasks', status: 'warn', detail: 'the retained status is not JSON' };
  }
  const parsed = statusSchema.safeParse(raw);
  if (!parsed.success) return { name: 'tasks', status: 'warn', detail: 'the retained status is not one the agent writes' };
  const status = parsed.data;
  if (status.state === 'offline') return { name: 'tasks', status: 'warn', detail: 'the agent is offline (its last will or a clean stop)' };
  const sync = status.taskSync;
  if (sync === undefined) return { name: 'tasks', status: 'ok', detail: `${status.tasks ?? 0} held; no manifest (every retained task is read on each connect)` };
  const other = sync.expected - sync.held - sync.missing;
  const refused = other > 0 ? `, ${other} refused or expired (see the acks)` : '';
  if (sync.missing > 0) return { name: 'tasks', status: 'warn', detail: `${sync.missing} of ${sync.expected} assigned tasks missing, ${sync.held} held${refused}` };
  return { name: 'tasks', status: other > 0 ? 'warn' : 'ok', detail: `${sync.held} of ${sync.expected} assigned tasks held${refused}` };
}
