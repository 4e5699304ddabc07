// Whether scores reached an LMS's gradebook, as the instructor's grid and the learner's
// page show it: the latest score of a line item and its fate.
import type { App } from '../app.js';
import type { OutboxScore } from '../store/scoreOutboxStore.js';

export function gradebookCell(score: OutboxScore | undefined) {
  if (!score) return null;
  return {
    state: score.state,
    scoreGiven: Number(score.score.scoreGiven),
    scoreMaximum: Number(score.score.scoreMaximum),
    attempts: score.attempts,
    at: score.sentAt ?? score.createdAt,
    error: score.lastError,
  };
}

/** Each LMS link the learner came by: what it scores and its latest score's fate. */
export async function learnerGradebook(app: App, learnerId: string) {
  const links = await app.lti.launches.gradeLinks(learnerId);
  if (links.length === 0) return [];
  const latest = new Map((await app.lti.outbox.latestForLearner(learnerId)).map((score) => [score.lineItem, score]));
  return links.map((link) => ({ lesson: link.lessonId, classroom: link.classroomId, score: gradebookCell(latest.get(link.lineItem)) }));
}

export type LearnerGradebook = Awaited<ReturnType<typeof learnerGradebook>>;
