// PVE's task endpoints in miniature: status (running until the task decides it is done) and the paged log,
// with every poll recorded so tests can check how often and how fast the client asked.
import { ok, pveError, type StubHandler, type StubReply } from './stub.js';

export interface FakeTask {
  /** Decides, at each status poll (1-based count), whether the task has ended. */
  doneAtPoll?: (poll: number) => boolean;
  exitstatus?: string;
  log: string[];
  /** Time of each status poll. */
  polls: number[];
  /** Each log read as [start, limit]. */
  logReads: [number, number][];
  /** Called before each log read is answered (1-based count): a test grows the log as a running task would. */
  beforeLogRead?: (read: number) => void;
  /** Replies to serve instead of the status, poll by poll (e.g. transient 503s). */
  statusOverrides?: (StubReply | undefined)[];
}

export function fakeTask(init: Partial<FakeTask> = {}): FakeTask {
  return { polls: [], logReads: [], log: [], ...init };
}

export function taskRoutes(tasks: Map<string, FakeTask>): StubHandler {
  return (req) => {
    const m = /^\/nodes\/([^/]+)\/tasks\/([^/]+)\/(status|log)$/.exec(req.path);
    if (!m || req.method !== 'GET') return pveError(501, `Method '${req.method} ${req.path}' not implemented`);
    const task = tasks.get(decodeURIComponent(m[2]));
    if (!task) return pveError(400, 'Parameter verification failed.', { upid: 'no such task' });
    if (m[3] === 'status') {
      task.polls.push(Date.now());
      const override = task.statusOverrides?.[task.polls.length - 1];
      if (override) return override;
      const done = task.doneAtPoll?.(task.polls.length) ?? false;
      return ok(done ? { status: 'stopped', exitstatus: task.exitstatus ?? 'OK' } : { status: 'running' });
    }
    const start = Number(req.query.get('start') ?? 0);
    const limit = Number(req.query.get('limit') ?? 50);
    task.logReads.push([start, limit]);
    task.beforeLogRead?.(task.logReads.length);
    const lines = task.log.length ? task.log : ['no content'];
    const page = lines.slice(start, limit === 0 ? undefined : start + limit).map((t, i) => ({ n: start + i + 1, t }));
    return ok(page, { total: lines.length });
  };
}
