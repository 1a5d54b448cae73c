// Where a backend package's own files (Lua scripts, SQL migrations) are, from ESM and CommonJS alike.
import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { TscronError } from '../errors.js';

/**
 * The folder of the module that calls this function, in an ESM and a CommonJS build alike (where
 * `import.meta.url` and `__dirname` are each unavailable), read from the file name V8 records for
 * the calling frame. A backend package calls it to find the assets it ships beside its compiled
 * code: `join(callerDirectory(), 'lua', 'acquire.lua')`.
 *
 * Throws `ERR_LOCK_BACKEND_FAILED` when the caller has no file name (code evaluated from a string).
 */
export function callerDirectory(): string {
  const savedPrepare = Error.prepareStackTrace;
  const savedLimit = Error.stackTraceLimit;
  const holder: { stack?: unknown } = {};
  let file: string | null | undefined;
  try {
    Error.prepareStackTrace = (_error, stack) => stack;
    Error.stackTraceLimit = 1;
    Error.captureStackTrace(holder, callerDirectory);
    // V8 formats the stack when it is first read: read it while the hook above is in place.
    file = (holder.stack as NodeJS.CallSite[] | undefined)?.[0]?.getFileName();
  } finally {
    Error.prepareStackTrace = savedPrepare;
    Error.stackTraceLimit = savedLimit;
  }
  if (!file) {
    throw new TscronError(
      'ERR_LOCK_BACKEND_FAILED',
      'cannot locate the backend package files: the calling module has no file name',
    );
  }
  return dirname(file.startsWith('file:') ? fileURLToPath(file) : file);
}
