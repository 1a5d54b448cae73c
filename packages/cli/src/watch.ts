// Watches schedule files for changes, including a Kubernetes ConfigMap update, which swaps a symlink
// in the file's directory rather than writing the file.
import { type FSWatcher, watch } from 'node:fs';
import { dirname } from 'node:path';

/** How long changes are gathered before one reload: editors and ConfigMaps write in several steps. */
const SETTLE_MS = 150;

/** Calls `onChange` (at most once per burst of events) when a file or its directory changes. */
export function watchFiles(files: readonly string[], onChange: () => void): () => void {
  const watchers: FSWatcher[] = [];
  let timer: NodeJS.Timeout | undefined;
  const changed = () => {
    if (timer !== undefined) clearTimeout(timer);
    timer = setTimeout(onChange, SETTLE_MS);
  };
  const targets = new Set([...files, ...files.map((file) => dirname(file))]);
  for (const target of targets) {
    try {
      const watcher = watch(target, changed);
      watcher.on('error', () => undefined);
      watchers.push(watcher);
    } catch {
      // A missing file is reported by the reload; its directory's watcher sees it come back.
    }
  }
  return () => {
    if (timer !== undefined) clearTimeout(timer);
    for (const watcher of watchers) watcher.close();
  };
}
