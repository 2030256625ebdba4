// Runs a lab tool's command line (commander): an error becomes one readable line and a non-zero exit.
import type { Command } from 'commander';

export async function runTool(program: Command): Promise<void> {
  program.showHelpAfterError();
  try {
    await program.parseAsync(process.argv);
  } catch (err) {
    process.stderr.write(`${program.name()}: ${(err as Error).message}\n`);
    process.exitCode = 1;
  }
}

/** The models folder of this checkout, the default of every tool's --models-dir. */
export const defaultModelsDir = new URL('../models', import.meta.url).pathname;

/** A --redactor '<json>' option as an object; a clear error when it is not a JSON object. */
export function redactorSettings<T>(json: string | undefined): T | undefined {
  if (json === undefined) return undefined;
  let value: unknown;
  try {
    value = JSON.parse(json);
  } catch (err) {
    throw new Error(`--redactor is not JSON: ${(err as Error).message}`);
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new Error('--redactor must be a JSON object');
  return value as T;
}
