/**
 * `GET /s/:token` shows a customer's survey (no login: the link is the key), `POST /s/:token`
 * records the answer once. Plain server-rendered HTML that reads well on a phone and works
 * without JavaScript.
 */
import express, { Router } from 'express';
import type { Kysely } from 'kysely';
import type { Database } from '../db/schema.js';
import type { Logger } from '../logger.js';
import {
  submitSurveyAnswer,
  surveyAnswerSchema,
  surveyCompanyName,
  surveyState,
  type SurveyState,
} from '../workflows/survey.js';

export interface SurveyRouterDeps {
  db: Kysely<Database>;
  logger: Logger;
  /** Called after an answer is stored: the contact is rescored with it. */
  onAnswered?: (portalId: number, contactId: string) => Promise<void>;
}

const escape = (text: string) =>
  text.replace(
    /[&<>"']/g,
    (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!,
  );

function page(title: string, body: string): string {
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="robots" content="noindex">
<title>${escape(title)}</title>
<style>
  body { font: 17px/1.5 system-ui, sans-serif; margin: 0; padding: 1.25rem; color: #1f2933; background: #f5f7fa; }
  main { max-width: 34rem; margin: 0 auto; background: #fff; padding: 1.5rem; border-radius: 12px; }
  h1 { font-size: 1.35rem; margin-top: 0; }
  fieldset { border: 0; padding: 0; margin: 0 0 1.25rem; }
  .scale { display: grid; grid-template-columns: repeat(11, 1fr); gap: 4px; }
  .scale label { display: block; text-align: center; }
  .scale input { position: absolute; opacity: 0; }
  .scale span { display: block; padding: .6rem 0; border: 1px solid #cbd2d9; border-radius: 6px; cursor: pointer; }
  .scale input:checked + span { background: #2f6fed; color: #fff; border-color: #2f6fed; }
  .scale input:focus-visible + span { outline: 3px solid #9fbcf8; }
  .ends { display: flex; justify-content: space-between; font-size: .85rem; color: #616e7c; }
  textarea { width: 100%; box-sizing: border-box; min-height: 7rem; font: inherit; padding: .5rem; }
  button { font: inherit; padding: .75rem 1.5rem; border: 0; border-radius: 8px; background: #2f6fed; color: #fff; width: 100%; }
  .error { color: #b42318; }
  .visually-hidden { position: absolute; width: 1px; height: 1px; overflow: hidden; clip-path: inset(50%); }
  @media (max-width: 420px) { .scale { grid-template-columns: repeat(6, 1fr); } }
</style></head>
<body><main>${body}</main></body></html>`;
}

/** Who asks, in the page's words; a portal always has a name, this is only for safety. */
const companyOf = async (db: Kysely<Database>, token: string) =>
  (await surveyCompanyName(db, token)) ?? 'the company';

function form(token: string, company: string, error?: string): string {
  const options = Array.from(
    { length: 11 },
    (_, n) => `<label><input type="radio" name="score" value="${n}" required><span>${n}</span></label>`,
  ).join('');
  return page(
    `${company}: how are we doing?`,
    `<h1>How likely are you to recommend ${escape(company)} to a friend or colleague?</h1>
${error ? `<p class="error" role="alert">${escape(error)}</p>` : ''}
<form method="post" action="/s/${escape(token)}">
<fieldset><legend class="visually-hidden">Score from 0 (not at all likely) to 10 (extremely likely)</legend>
<div class="scale">${options}</div>
<div class="ends"><span>Not at all likely</span><span>Extremely likely</span></div></fieldset>
<p><label for="comment">What is the main reason for your score? (optional)</label>
<textarea id="comment" name="comment" maxlength="5000"></textarea></p>
<button type="submit">Send</button>
</form>`,
  );
}

const CLOSED: Record<Exclude<SurveyState, 'open'>, { status: number; title: string; text: string }> = {
  answered: {
    status: 409,
    title: 'Already answered',
    text: 'This survey has already been answered. Thank you!',
  },
  expired: { status: 410, title: 'Survey closed', text: 'This survey link has expired.' },
  unknown: { status: 404, title: 'Survey not found', text: 'This survey link is not valid.' },
};

function closed(res: express.Response, state: Exclude<SurveyState, 'open'>): void {
  const { status, title, text } = CLOSED[state];
  res
    .status(status)
    .type('html')
    .send(page(title, `<h1>${title}</h1><p>${text}</p>`));
}

export function surveyRouter(deps: SurveyRouterDeps): Router {
  const router = Router();
  router.use('/s/:token', (_req, res, next) => {
    // A personal link: never cached by proxies, never sent on as a referrer.
    res.set({
      'Cache-Control': 'no-store',
      'Referrer-Policy': 'no-referrer',
      'Content-Security-Policy':
        "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; frame-ancestors 'none'",
    });
    next();
  });

  router.get('/s/:token', async (req, res) => {
    const state = await surveyState(deps.db, req.params.token);
    if (state !== 'open') return closed(res, state);
    res.type('html').send(form(req.params.token, await companyOf(deps.db, req.params.token)));
  });

  router.post('/s/:token', express.urlencoded({ extended: false, limit: '32kb' }), async (req, res) => {
    const token = req.params.token;
    const parsed = surveyAnswerSchema.safeParse(req.body ?? {});
    if (!parsed.success) {
      const state = await surveyState(deps.db, token);
      if (state !== 'open') return closed(res, state);
      const issue = parsed.error.issues[0]!;
      const message =
        issue.path[0] === 'comment'
          ? `Your comment ${issue.message}.`
          : 'Please choose a score from 0 to 10.';
      return res
        .status(400)
        .type('html')
        .send(form(token, await companyOf(deps.db, token), message));
    }
    const result = await submitSurveyAnswer(deps.db, token, parsed.data);
    if (result.status !== 'recorded') return closed(res, result.status);
    if (deps.onAnswered) {
      await deps.onAnswered(result.portalId, result.contactId).catch((error: unknown) => {
        deps.logger.warn({ err: error, portalId: result.portalId }, 'rescoring after a survey answer failed');
      });
    }
    const company = escape(await companyOf(deps.db, token));
    res
      .type('html')
      .send(
        page(
          'Thank you',
          `<h1>Answer received</h1><p>Thanks — ${company} will read your answer; it goes to the people who look after your account there. There is nothing else to do: you can close this page.</p>`,
        ),
      );
  });
  return router;
}
