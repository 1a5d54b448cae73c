import { isTscronError, TscronError } from 'tscron';

/** Runs `build`; a `TscronError` it throws is thrown again with `where` before its message. */
export function located<T>(where: string, build: () => T): T {
  try {
    return build();
  } catch (error) {
    if (isTscronError(error))
      throw new TscronError(error.code, `${where}: ${error.message}`, { cause: error });
    throw error;
  }
}
