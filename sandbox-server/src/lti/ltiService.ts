// Drydock as an LTI 1.3 tool, gathered for the request handlers: the registered
// platforms, launches and their learners, Drydock's keys, the scores on their way to
// gradebooks and what sends them.
import type { App } from '../app.js';
import type { SqlDriver } from '../store/sqlDriver.js';
import { LtiPlatformStore } from '../store/ltiPlatformStore.js';
import { LtiLaunchStore } from '../store/ltiLaunchStore.js';
import { ScoreOutboxStore, type NotTakenScope } from '../store/scoreOutboxStore.js';
import { ToolKeys } from './toolKeys.js';
import { PlatformAccess } from './platformAccess.js';
import { ScoreDelivery, type DeliverySettings } from './scoreDelivery.js';
import { GradeSync } from './gradeSync.js';
import { learnerGradebook } from './gradebookView.js';

export class Lti {
  readonly platforms: LtiPlatformStore;
  readonly launches: LtiLaunchStore;
  readonly outbox: ScoreOutboxStore;
  readonly keys: ToolKeys;
  readonly delivery: ScoreDelivery;
  readonly grades: GradeSync;

  constructor(
    private readonly app: App,
    db: SqlDriver,
    settings: DeliverySettings,
  ) {
    this.platforms = new LtiPlatformStore(db);
    this.launches = new LtiLaunchStore(db);
    this.outbox = new ScoreOutboxStore(db);
    this.keys = new ToolKeys(this.platforms);
    this.delivery = new ScoreDelivery(this.outbox, this.platforms, new PlatformAccess(this.keys), settings, (score) => this.tell(score.learnerId, [score.classroomId]));
    this.grades = new GradeSync(app, (learnerId, classroomIds) => {
      this.delivery.wake();
      this.tell(learnerId, classroomIds);
    });
  }

  /** The scores a platform did not take go again now (the instructor or operator fixed the cause). */
  async sendAgain(scope: NotTakenScope): Promise<number> {
    const requeued = await this.outbox.sendAgain(scope);
    if (requeued > 0) this.delivery.wake();
    if (scope.classroomId) this.app.hub.changed(scope.classroomId);
    return requeued;
  }

  /** The instructor's grid and the learner's page show whether the score reached the gradebook. */
  private tell(learnerId: string, classroomIds: (string | null)[]): void {
    for (const classroomId of classroomIds) if (classroomId) this.app.hub.changed(classroomId);
    learnerGradebook(this.app, learnerId).then(
      (gradebook) => this.app.hub.tellLearner(learnerId, 'gradebook', gradebook),
      (error: Error) => console.error(`LTI: the gradebook state of learner ${learnerId} could not be read: ${error.message}`),
    );
  }
}
