// What a launch asks Drydock to open: a lesson or a classroom, named by the link's
// custom parameters (lesson=..., classroom=...) or by its target link URI
// (.../lti/launch?lesson=..., .../#/lesson/...). Custom parameters win: they are what
// deep linking writes and what a teacher types into the LMS.
import type { VerifiedLaunch } from './ltiClaims.js';

export interface LaunchTarget {
  lesson?: string;
  classroom?: string;
}

function fromUri(uri: string): LaunchTarget {
  let url: URL;
  try {
    url = new URL(uri);
  } catch {
    return {};
  }
  const lesson = url.searchParams.get('lesson') ?? /(?:^|\/)lesson\/([^/?#]+)/.exec(`${url.pathname}${url.hash}`)?.[1];
  const classroom = url.searchParams.get('classroom') ?? undefined;
  return { lesson: lesson ?? undefined, classroom };
}

export function launchTarget(launch: Pick<VerifiedLaunch, 'custom' | 'targetLinkUri'>): LaunchTarget {
  const uri = fromUri(launch.targetLinkUri);
  const lesson = launch.custom.lesson ?? uri.lesson;
  const classroom = launch.custom.classroom ?? uri.classroom;
  // Names are kept as given (shortened) so a refusal can quote them; lookups find nothing odd.
  return { lesson: lesson?.slice(0, 100), classroom: classroom?.slice(0, 100) };
}
