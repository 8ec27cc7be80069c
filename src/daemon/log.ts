// The shared daemon's log: a file in the socket dir (0600), bounded: past its size it is moved
// to daemon.log.1 (replacing the older one) and a new one begun.
import { closeSync, openSync, renameSync, statSync, writeSync } from 'node:fs';

export const DAEMON_LOG = 'daemon.log';
const MAX_LOG_BYTES = 1024 * 1024;

export class BoundedLog {
  private fd: number;
  private size: number;

  constructor(readonly path: string) {
    this.fd = openSync(path, 'a', 0o600);
    this.size = statSync(path).size;
  }

  write(message: string): void {
    const line = `${new Date().toISOString()} ${message}\n`;
    if (this.size + line.length > MAX_LOG_BYTES) {
      closeSync(this.fd);
      renameSync(this.path, `${this.path}.1`);
      this.fd = openSync(this.path, 'a', 0o600);
      this.size = 0;
    }
    this.size += writeSync(this.fd, line);
  }
}
