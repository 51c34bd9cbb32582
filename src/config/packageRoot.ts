import fs from 'node:fs';
import path from 'node:path';

/**
 * The folder holding Referralynx's package.json, found from this module whether it runs from the sources (src/) or
 * from the build (dist/src/): SQL migrations and the package version are read from there.
 */
export function packageRoot(): string {
  let dir = __dirname;
  for (;;) {
    const candidate = path.join(dir, 'package.json');
    if (fs.existsSync(candidate) && (JSON.parse(fs.readFileSync(candidate, 'utf8')) as { name?: string }).name === 'referralynx') {
      return dir;
    }
    const parent = path.dirname(dir);
    if (parent === dir) throw new Error(`package.json of referralynx not found above ${__dirname}`);
    dir = parent;
  }
}

export function packageVersion(): string {
  return (JSON.parse(fs.readFileSync(path.join(packageRoot(), 'package.json'), 'utf8')) as { version: string }).version;
}
