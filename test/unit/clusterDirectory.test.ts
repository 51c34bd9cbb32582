import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { clusterDirectory } from '../../src/store/clusterDirectory';

describe('where the embedded PostgreSQL keeps its cluster', () => {
  const open = fs.mkdtempSync(path.join(os.tmpdir(), 'rx-open-'));
  const closed = fs.mkdtempSync(path.join(os.tmpdir(), 'rx-closed-'));
  beforeAll(() => {
    fs.chmodSync(open, 0o755);
    fs.chmodSync(closed, 0o700);
  });
  afterAll(() => {
    fs.rmSync(open, { recursive: true, force: true });
    fs.rmSync(closed, { recursive: true, force: true });
  });

  it('is inside the data folder when the server can reach it', () => {
    expect(clusterDirectory(path.join(open, '.referralynx'))).toBe(path.join(open, '.referralynx', 'postgres'));
  });

  it('as root, below a folder others cannot enter, moves to /var/lib/referralynx under a stable name', () => {
    const dataDir = path.join(closed, '.referralynx');
    const chosen = clusterDirectory(dataDir);
    if (process.getuid?.() === 0) {
      expect(chosen).toMatch(/^\/var\/lib\/referralynx\/[0-9a-f]{16}\/postgres$/);
      expect(clusterDirectory(dataDir)).toBe(chosen);
      expect(clusterDirectory(path.join(closed, 'other'))).not.toBe(chosen);
    } else {
      // Not root: the server runs as this user, who can enter its own folders.
      expect(chosen).toBe(path.join(dataDir, 'postgres'));
    }
  });
});
