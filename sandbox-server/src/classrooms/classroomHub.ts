// Who is watching what, live: instructors watch a classroom's grid, learners listen for
// broadcasts and resets. A change pushes what changed within a moment (gridRows.ts: the
// rows that changed, or the whole grid); a slow tick also catches what has no event of
// its own (a sandbox that expired, another server process writing to the same PostgreSQL).
import { describeSent, gridChange, type GridShape, type SentGrid } from './gridRows.js';

export type GridSource<Grid> = (classroomId: string) => Promise<Grid | undefined>;
type Listener = (event: string, data: unknown) => void;

const DEBOUNCE_MS = 150;
const TICK_MS = 2000;

export class ClassroomHub<Grid extends GridShape<{ learnerId: string }>> {
  /** Per classroom, each watcher and what it was last sent. */
  private readonly watchers = new Map<string, Map<Listener, SentGrid | undefined>>();
  private readonly learners = new Map<string, Set<Listener>>();
  private readonly pending = new Map<string, NodeJS.Timeout>();
  private readonly ticker: NodeJS.Timeout;

  constructor(
    private readonly gridOf: GridSource<Grid>,
    private readonly log: (message: string) => void = console.error,
  ) {
    this.ticker = setInterval(() => {
      for (const classroomId of this.watchers.keys()) void this.push(classroomId);
    }, TICK_MS);
    this.ticker.unref();
  }

  /** An instructor's stream: the grid now, then every change. */
  watchClassroom(classroomId: string, listener: Listener): () => void {
    const watchers = this.watchers.get(classroomId) ?? new Map();
    this.watchers.set(classroomId, watchers);
    watchers.set(listener, undefined);
    void this.gridOf(classroomId)
      .then((grid) => {
        // A push may have reached it first; it is then at least as new.
        if (!grid || !watchers.has(listener) || watchers.get(listener)) return;
        watchers.set(listener, describeSent(grid));
        listener('grid', grid);
      })
      .catch((error: Error) => this.log(`classroom ${classroomId} grid: ${error.message}`));
    return () => {
      watchers.delete(listener);
      if (watchers.size === 0) this.watchers.delete(classroomId);
    };
  }

  /** Something in the classroom changed: push a new grid soon (changes close together coalesce). */
  changed(classroomId: string): void {
    if (!this.watchers.has(classroomId) || this.pending.has(classroomId)) return;
    this.pending.set(
      classroomId,
      setTimeout(() => {
        this.pending.delete(classroomId);
        void this.push(classroomId);
      }, DEBOUNCE_MS),
    );
  }

  private async push(classroomId: string): Promise<void> {
    const watchers = this.watchers.get(classroomId);
    if (!watchers) return;
    try {
      const grid = await this.gridOf(classroomId);
      if (!grid) return;
      for (const [listener, before] of watchers) {
        const { sent, event } = gridChange(before, grid);
        watchers.set(listener, sent);
        if (event) listener(event.name, event.data);
      }
    } catch (error) {
      this.log(`classroom ${classroomId} grid: ${(error as Error).message}`);
    }
  }

  watchLearner(learnerId: string, listener: Listener): () => void {
    const set = this.learners.get(learnerId) ?? new Set();
    this.learners.set(learnerId, set);
    set.add(listener);
    return () => {
      set.delete(listener);
      if (set.size === 0) this.learners.delete(learnerId);
    };
  }

  /** Whether any page of the learner listens now. */
  listening(learnerId: string): boolean {
    return this.learners.has(learnerId);
  }

  tellLearner(learnerId: string, event: string, data: unknown): void {
    for (const listener of this.learners.get(learnerId) ?? []) listener(event, data);
  }

  close(): void {
    clearInterval(this.ticker);
    for (const timer of this.pending.values()) clearTimeout(timer);
  }
}
