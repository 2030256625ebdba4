// The schemas of the vehicle's own MQTT messages — acks and status — for validation in tests and JSON Schema export.
import { z } from 'zod';

export const ackSchema = z
  .strictObject({
    taskId: z.string().describe('Task id from the message, or from its topic when the message had none that was well-formed'),
    revision: z.int().nullable().describe('Revision of the message; null for withdrawals and for messages without a readable revision'),
    status: z
      .enum(['accepted', 'rejected', 'withdrawn', 'expired'])
      .describe('accepted: in force on the vehicle; rejected: see errors; withdrawn: stopped; expired: past validUntil, dropped'),
    errors: z
      .array(
        z.strictObject({
          path: z.string().describe('Dotted path of the offending field ("" for the whole message)'),
          message: z.string().describe('What is wrong, in words'),
        }),
      )
      .max(21)
      .describe('Why a task was rejected (at most 20, then a count of the rest); empty otherwise'),
  })
  .describe('Answer of the vehicle to every task message it receives; topic {prefix}/vehicle/{vehicleId}/acks, QoS 1');

export const statusSchema = z
  .looseObject({
    state: z.enum(['online', 'offline']).describe('online while the agent runs; offline from a clean stop or the last will'),
    version: z.string().optional().describe('Agent version'),
    vehicleId: z.string().optional().describe('This vehicle'),
    uptimeS: z.number().min(0).optional().describe('Seconds since the agent started'),
    tasks: z.int().min(0).optional().describe('Tasks held'),
  })
  .describe('Retained status of the vehicle; topic {prefix}/vehicle/{vehicleId}/status. Further keys carry counters and may grow');

export type AckMessage = z.infer<typeof ackSchema>;
