// Drydock as an LTI 1.3 tool, gathered for the request handlers: the registered
// platforms, launches and their learners, Drydock's keys, the scores on their way to
// gradebooks and what sends them.
import type { App } from '../app.js';
import type { SqlDriver } from '../store/sqlDriver.js';
import { LtiPlatformStore } from '../store/ltiPlatformStore.js';
import { LtiLaunchStore } from '../store/ltiLaunchStore.js';
import { ScoreOutboxStore } from '../store/scoreOutboxStore.js';
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

  constructor(app: App, db: SqlDriver, settings: DeliverySettings) {
    this.platforms = new LtiPlatformStore(db);
    this.launches = new LtiLaunchStore(db);
    this.outbox = new ScoreOutboxStore(db);
    this.keys = new ToolKeys(this.platforms);
    this.delivery = new ScoreDelivery(this.outbox, this.platforms, new PlatformAccess(this.keys), settings, (score) => this.tell(app, score.learnerId, [score.classroomId]));
    this.grades = new GradeSync(app, (learnerId, classroomIds) => {
      this.delivery.wake();
      this.tell(app, learnerId, classroomIds);
    });
  }

  /** The instructor's grid and the learner's page show whether the score reached the gradebook. */
  private tell(app: App, learnerId: string, classroomIds: (string | null)[]): void {
    for (const classroomId of classroomIds) if (classroomId) app.hub.changed(classroomId);
    learnerGradebook(app, learnerId).then(
      (gradebook) => app.hub.tellLearner(learnerId, 'gradebook', gradebook),
      (error: Error) => console.error(`LTI: the gradebook state of learner ${learnerId} could not be read: ${error.message}`),
    );
  }
}
