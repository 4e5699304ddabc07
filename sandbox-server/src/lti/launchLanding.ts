// Where a verified launch takes the person: a teacher's deep-linking request to the
// picker; a classroom link to that classroom (a learner seated in it, a teacher on its
// dashboard); a lesson link to the lesson; anything else to the catalog, or a teacher
// to their course's classroom. A learner is the platform's user, signed in with the
// name the platform sends: no join code, no second login.
import type { App } from '../app.js';
import type { Classroom } from '../classrooms/classroomTypes.js';
import { classroomState } from '../classrooms/classroomTypes.js';
import { displayName, nameKey } from '../classrooms/classroomSettings.js';
import { JoinRefused } from '../store/classroomStore.js';
import { isUniqueViolation } from '../store/sqlDriver.js';
import { teaches, type VerifiedLaunch } from './ltiClaims.js';
import { LaunchRefused } from './launchVerifier.js';
import { launchTarget } from './launchTarget.js';
import { createPick } from './deepLinking.js';

export interface Landing {
  /** The page to open, in the web app. */
  redirect: string;
  /** The learner's credential for the cookie (the browser is now this learner). */
  credential?: string;
}

/** The name to show: the platform's, or a stable stand-in when it sends none. */
function launchName(launch: VerifiedLaunch): string {
  try {
    return displayName((launch.name ?? '').replace(/[\p{Cc}\p{Cf}]/gu, '').replace(/\s+/g, ' ').trim().slice(0, 40));
  } catch {
    return `Learner ${launch.subject.replace(/[^A-Za-z0-9]/g, '').slice(-6) || launch.subject.slice(0, 6)}`;
  }
}

/** The classroom a launch names, if it is one this course uses. */
async function courseClassroom(app: App, launch: VerifiedLaunch, id: string): Promise<Classroom> {
  const classroom = await app.classrooms.byId(id);
  const course = classroom && (await app.lti.launches.courseOf(classroom.id));
  if (!classroom) throw new LaunchRefused(`This link names the classroom ${JSON.stringify(id)}, and there is no such classroom in Drydock. Ask your teacher to pick the classroom again.`, 404);
  if (!course || course.platformId !== launch.platformId || course.contextId !== launch.context?.id) {
    // Most often a course copied for a new term, its links still naming last term's classroom.
    const what = `The classroom "${classroom.name}" belongs to ${course?.contextTitle ? `the course "${course.contextTitle}"` : 'another course'}: a course links only the classrooms it created through Drydock's picker.`;
    const next = teaches(launch.roles)
      ? ' If this course is a copy, edit this link in the course and pick or create a classroom for it (Drydock\'s picker, "select content").'
      : ' Ask your teacher to pick a classroom for this course.';
    throw new LaunchRefused(what + next, 403);
  }
  return classroom;
}

/** The learner a platform user is outside classrooms, made at their first launch. */
async function lessonLearner(app: App, launch: VerifiedLaunch): Promise<{ id: string; credential: string }> {
  const known = await app.lti.launches.accountLearner(launch.platformId, launch.subject, '');
  if (known) {
    await app.lti.launches.updateAccount(known, launchName(launch), launch.email);
    return { id: known, credential: await app.progress.addCredential(known) };
  }
  try {
    return await app.progress.createLearnerWith(launchName(launch), (tx, learner) => app.lti.launches.addAccount(launch.platformId, launch.subject, '', learner.id, launch.email, tx));
  } catch (error) {
    // The same user's first launch in two tabs at once: the other one made the account.
    if (isUniqueViolation(error) && (await app.lti.launches.accountLearner(launch.platformId, launch.subject, ''))) return lessonLearner(app, launch);
    throw error;
  }
}

/** The platform user's seat in the classroom, taken at their first launch (seats, hours as for joining). */
async function classroomLearner(app: App, launch: VerifiedLaunch, classroom: Classroom): Promise<{ id: string; credential: string }> {
  const known = await app.lti.launches.accountLearner(launch.platformId, launch.subject, classroom.id);
  if (known) {
    await app.lti.launches.updateAccount(known, undefined, launch.email);
    return { id: known, credential: await app.progress.addCredential(known) };
  }
  if (classroomState(classroom) === 'closed') throw new LaunchRefused(`The classroom "${classroom.name}" closed at ${classroom.closesAt}.`, 403);
  const name = launchName(launch);
  // Two students may share a name: the platform tells them apart, the grid by a number.
  for (let suffix = 1; ; suffix += 1) {
    const shown = suffix === 1 ? name : `${name} (${suffix})`;
    try {
      const learner = await app.classrooms.enrol(classroom, shown, nameKey(shown), async (tx, created) => {
        await app.lti.launches.addAccount(launch.platformId, launch.subject, classroom.id, created.id, launch.email, tx);
        return created;
      });
      app.hub.changed(classroom.id);
      return learner;
    } catch (error) {
      if (error instanceof JoinRefused && error.reason === 'name-taken' && suffix < 50) continue;
      if (error instanceof JoinRefused) throw new LaunchRefused(`${error.message[0].toUpperCase()}${error.message.slice(1)}`, 403);
      throw error;
    }
  }
}

async function linkGrades(app: App, launch: VerifiedLaunch, learnerId: string, target: { lessonId?: string; classroomId?: string }): Promise<void> {
  if (!launch.lineItem || teaches(launch.roles)) return;
  await app.lti.launches.addGradeLink({ learnerId, lineItem: launch.lineItem, platformId: launch.platformId, userId: launch.subject, lessonId: target.lessonId ?? null, classroomId: target.classroomId ?? null });
  // Work done before this launch (another link to the same lesson) counts at once.
  void app.lti.grades.learnerChanged(learnerId);
}

async function dashboard(app: App, launch: VerifiedLaunch, classroom: Classroom): Promise<Landing> {
  const token = await app.classrooms.addInstructorToken(classroom.id, `lti:${launch.platformId}:${launch.subject}`);
  return { redirect: `/#/teach/${encodeURIComponent(classroom.id)}/${encodeURIComponent(token)}` };
}

export async function land(app: App, launch: VerifiedLaunch): Promise<Landing> {
  const instructor = teaches(launch.roles);
  if (launch.messageType === 'LtiDeepLinkingRequest') {
    if (!instructor) throw new LaunchRefused("Only a course's teachers choose what Drydock adds to it.", 403);
    return { redirect: `/#/lti/pick/${await createPick(app.lti.keys, launch)}` };
  }
  const target = launchTarget(launch);
  if (target.classroom !== undefined) {
    const classroom = await courseClassroom(app, launch, target.classroom);
    if (instructor) return dashboard(app, launch, classroom);
    const learner = await classroomLearner(app, launch, classroom);
    await linkGrades(app, launch, learner.id, { classroomId: classroom.id });
    const lesson = target.lesson && classroom.lessons.includes(target.lesson) ? target.lesson : undefined;
    return { redirect: lesson ? `/#/lesson/${lesson}` : '/#/', credential: learner.credential };
  }
  if (target.lesson !== undefined) {
    const lesson = app.lessons.lesson(target.lesson);
    if (!lesson) throw new LaunchRefused(`This link names the lesson ${JSON.stringify(target.lesson)}, which is not in this Drydock's catalog. Ask your teacher to pick the lesson again.`, 404);
    const learner = await lessonLearner(app, launch);
    await linkGrades(app, launch, learner.id, { lessonId: lesson.id });
    return { redirect: `/#/lesson/${lesson.id}`, credential: learner.credential };
  }
  // Nothing named: a teacher goes to their course's classroom, if it has one.
  if (instructor && launch.context) {
    const [classroomId] = await app.lti.launches.courseClassrooms(launch.platformId, launch.context.id);
    const classroom = classroomId ? await app.classrooms.byId(classroomId) : undefined;
    if (classroom) return dashboard(app, launch, classroom);
  }
  return { redirect: '/#/', credential: (await lessonLearner(app, launch)).credential };
}
