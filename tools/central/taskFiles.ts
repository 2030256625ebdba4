// Reads task files for `central publish` (a task object, or an array of them, per file) and checks each against
// the agent's own task schema before anything is signed or sent.
import { readFile, stat } from 'node:fs/promises';
import { taskSchema } from '../../agent/core/tasks/task.ts';

/** Largest task file read; a file of thousands of tasks fits. */
const MAX_FILE_BYTES = 256 * 1024 * 1024;

export interface TaskInput {
  /** Where it came from, for messages: `file` or `file[index]`. */
  readonly source: string;
  readonly task: Record<string, unknown>;
}

export interface TaskFileProblem {
  readonly source: string;
  readonly message: string;
}

/** Every task of the files, or every problem found in them (nothing is published when there is one). */
export async function readTaskFiles(files: readonly string[]): Promise<{ tasks: TaskInput[]; problems: TaskFileProblem[] }> {
  const tasks: TaskInput[] = [];
  const problems: TaskFileProblem[] = [];
  for (const file of files) {
    let raw: unknown;
    try {
      const size = (await stat(file)).size;
      if (size > MAX_FILE_BYTES) throw new Error(`${size} bytes; at most ${MAX_FILE_BYTES} are read`);
      raw = JSON.parse(await readFile(file, 'utf8'));
    } catch (err) {
      problems.push({ source: file, message: (err as Error).message });
      continue;
    }
    const items = Array.isArray(raw) ? raw.map((t, i) => ({ source: `${file}[${i}]`, raw: t as unknown })) : [{ source: file, raw }];
    for (const { source, raw: item } of items) {
      if (typeof item !== 'object' || item === null || Array.isArray(item)) {
        problems.push({ source, message: 'a task is a JSON object' });
        continue;
      }
      tasks.push({ source, task: item as Record<string, unknown> });
    }
  }
  const seen = new Map<string, string>();
  for (const { source, task } of tasks) {
    const id = typeof task['id'] === 'string' ? task['id'] : null;
    if (id !== null && seen.has(id)) problems.push({ source, message: `task id "${id}" is also in ${seen.get(id)}` });
    if (id !== null) seen.set(id, source);
  }
  return { tasks, problems };
}

/**
 * Problems of one task as the vehicles will check it (schema, time window); `scope` and `signature` are the
 * publisher's to set. Classes the vehicles' models know and area limits are theirs to judge: their acks say.
 */
export function taskProblems(input: TaskInput): TaskFileProblem[] {
  const { scope: _scope, signature: _signature, ...rest } = input.task;
  const result = taskSchema.safeParse(rest);
  if (result.success) return [];
  return result.error.issues.map((issue) => ({
    source: input.source,
    message: `${issue.path.join('.') || '(task)'}: ${issue.code === 'unrecognized_keys' ? `unknown key(s): ${issue.keys.join(', ')}` : issue.message}`,
  }));
}
