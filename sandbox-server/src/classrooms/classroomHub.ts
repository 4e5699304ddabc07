// Who is watching what, live: instructors watch a classroom's grid, learners listen for
// broadcasts and resets. A change pushes a fresh grid within a moment; a slow tick also
// catches what has no event of its own (a sandbox that expired, another server process
// writing to the same PostgreSQL).
export type GridSource<Grid> = (classroomId: string) => Promise<Grid | undefined>;
type Listener = (event: string, data: unknown) => void;

const DEBOUNCE_MS = 150;
const TICK_MS = 2000;

export class ClassroomHub<Grid extends { generatedAt: string }> {
  private readonly watchers = new Map<string, Set<Listener>>();
  private readonly learners = new Map<string, Set<Listener>>();
  private readonly pending = new Map<string, NodeJS.Timeout>();
  private readonly lastGrid = new Map<string, string>();
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
    const set = this.watchers.get(classroomId) ?? new Set();
    this.watchers.set(classroomId, set);
    set.add(listener);
    void this.gridOf(classroomId)
      .then((grid) => grid && listener('grid', grid))
      .catch((error: Error) => this.log(`classroom ${classroomId} grid: ${error.message}`));
    return () => {
      set.delete(listener);
      if (set.size === 0) {
        this.watchers.delete(classroomId);
        this.lastGrid.delete(classroomId);
      }
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
      const { generatedAt: _ignored, ...content } = grid;
      const fingerprint = JSON.stringify(content);
      if (this.lastGrid.get(classroomId) === fingerprint) return;
      this.lastGrid.set(classroomId, fingerprint);
      for (const listener of watchers) listener('grid', grid);
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

  tellLearner(learnerId: string, event: string, data: unknown): void {
    for (const listener of this.learners.get(learnerId) ?? []) listener(event, data);
  }

  close(): void {
    clearInterval(this.ticker);
    for (const timer of this.pending.values()) clearTimeout(timer);
  }
}
