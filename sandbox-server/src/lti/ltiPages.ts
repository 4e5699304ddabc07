// The few pages LTI answers with directly, outside the web app: a refusal that says
// what went wrong, and the hand-over into the web app after a launch.
import { escapeHtml } from '../lessons/lessonRenderer.js';

function page(title: string, body: string): string {
  return `<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><title>${escapeHtml(title)} · Drydock</title>
<style>body{font:16px/1.5 system-ui,sans-serif;max-width:40rem;margin:3rem auto;padding:0 1rem;color:#1d2430}h1{font-size:1.4rem}.reason{padding:.75rem 1rem;border-left:4px solid #c33;background:#c331}</style></head>
<body><main>${body}</main></body>
</html>`;
}

/** A launch or login refused: the reason in words, and what to do. */
export function refusalPage(message: string): string {
  return page('Launch refused', `<h1>Drydock could not open this activity</h1>
<p class="reason" id="lti-error" role="alert">${escapeHtml(message)}</p>
<p>Nothing was recorded. If this keeps happening, show this message to your teacher.</p>`);
}

/**
 * Into the web app as the platform's user: this browser's saved sandboxes belonged to
 * whoever used it before, so they are forgotten first. The learner's credential is in
 * the cookie set with this page.
 */
export function handOverPage(target: string): string {
  const json = JSON.stringify(target).replace(/</g, '\\u003c');
  return page('Opening Drydock', `<h1>Opening Drydock…</h1>
<p><a href="${escapeHtml(target)}">Continue</a> if nothing happens.</p>
<script>try { localStorage.removeItem('drydock.sandboxes'); localStorage.removeItem('drydock.learnerToken'); } catch (e) {} location.replace(${json});</script>`);
}
