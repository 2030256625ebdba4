// What an upload failure means: retry later (ingest away, busy, erring) or park the item (the ingest refused it
// for good, or the file cannot be read back), so one bad item never blocks the queue or retries forever.

export type FailureVerdict = 'retry' | 'park';

/** `status` is the HTTP status when the ingest answered, undefined when it could not be reached. */
export function judgeUploadFailure(status: number | undefined): FailureVerdict {
  if (status === undefined) return 'retry';
  if (status >= 400 && status < 500 && status !== 408 && status !== 429) return 'park';
  return 'retry';
}
