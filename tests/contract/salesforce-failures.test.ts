import { describe, expect, it } from '@jest/globals';
import { CrmAuthError, CrmQuotaExceededError, CrmRequestError } from '../../server/crm/errors.js';
import { classifySalesforceFailure } from '../../server/crm/salesforce/failures.js';

/** What jsforce throws for an error answer: an Error named after Salesforce's errorCode. */
function apiError(errorCode: string, message: string): Error {
  const error = new Error(message) as Error & { errorCode: string };
  error.name = errorCode;
  error.errorCode = errorCode;
  return error;
}

const now = new Date('2026-12-02T10:00:00Z');

describe('what a failed Salesforce call means', () => {
  it.each([
    [
      'the concurrent-request limit',
      apiError('REQUEST_LIMIT_EXCEEDED', 'ConcurrentPerOrgLongTxn Limit exceeded.'),
    ],
    ['a locked row', apiError('UNABLE_TO_LOCK_ROW', 'unable to obtain exclusive access to this record')],
    ['a 503 page', apiError('ERROR_HTTP_503', '<html>Service Unavailable</html>')],
    ['a reset connection', Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' })],
  ])('%s is sent again', (_what, error) => {
    expect(classifySalesforceFailure(error, now).kind).toBe('retry');
  });

  it('the daily allowance used up waits an hour, with Salesforce’s words', () => {
    const failure = classifySalesforceFailure(
      apiError('REQUEST_LIMIT_EXCEEDED', 'TotalRequests Limit exceeded.'),
      now,
    );
    expect(failure.kind).toBe('fail');
    const error = failure.kind === 'fail' ? failure.error : undefined;
    expect(error).toBeInstanceOf(CrmQuotaExceededError);
    expect((error as CrmQuotaExceededError).retryAt).toEqual(new Date('2026-12-02T11:00:00Z'));
    expect(error?.message).toContain('TotalRequests Limit exceeded.');
  });

  it.each([
    ['MALFORMED_QUERY', 'unexpected token: FROMM', CrmRequestError],
    ['INVALID_FIELD', "No such column 'Foo__c' on entity 'Contact'.", CrmRequestError],
    ['INVALID_SESSION_ID', 'Session expired or invalid', CrmAuthError],
    ['ERROR_HTTP_404', 'Not Found', CrmRequestError],
  ])('%s is not retried and keeps the message', (code, message, type) => {
    const failure = classifySalesforceFailure(apiError(code, message), now);
    expect(failure.kind).toBe('fail');
    if (failure.kind !== 'fail') return;
    expect(failure.error).toBeInstanceOf(type);
    expect(failure.error.message).toContain(message);
  });
});
