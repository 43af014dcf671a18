/**
 * The Connect REST API's credential resource, `named-credentials/credential` (v56.0 and later):
 * the values a named principal of an installed external credential authenticates with.
 * - `POST` `{externalCredential, authenticationProtocol, principalName, principalType, credentials:
 *   {Name: {value, encrypted}}}` → 201 the credential (400 if one is set already: PUT replaces it);
 * - `PUT` → 200, the values become exactly the request's; `PATCH` → 200, the request's values change
 *   (Custom protocol only);
 * - `GET ?externalCredential=&principalName=&principalType=` → 200; `DELETE` (same query) → 204.
 * Answers never carry an encrypted value (`{"encrypted": true, "value": null}`). 404 `NOT_FOUND` for
 * an external credential or principal the org does not have, or no credential set (PUT, PATCH,
 * GET, DELETE); 400 `INVALID_INPUT` for a bad body or query, a principal type other than
 * `NamedPrincipal`, or a protocol other than the external credential's. Only the org's admin may
 * call it (403 `INSUFFICIENT_ACCESS` for other users: managing credentials takes Customize
 * Application, which the sandbox's other users lack).
 */
import express, { type Response } from 'express';
import { z } from 'zod';
import { credentialView, type NamedCredentials } from '../named-credentials.js';
import { SalesforceApiError } from '../types.js';
import { parseOrThrow } from './errors.js';
import { callerOf, type RestCaller } from './guard.js';

const PATH = '/named-credentials/credential';

const credentialInput = z
  .object({
    externalCredential: z.string().min(1),
    authenticationProtocol: z.string().min(1),
    authenticationProtocolVariant: z.string().min(1).optional(),
    principalName: z.string().min(1).optional(),
    principalType: z.string().min(1),
    credentials: z.record(
      z.string().min(1),
      z.object({ value: z.string(), encrypted: z.boolean(), revision: z.number().int().optional() }).strict(),
    ),
  })
  .strict();

const principalQuery = z.object({
  externalCredential: z.string().min(1),
  principalName: z.string().min(1).optional(),
  principalType: z.string().min(1),
});

/** The caller, if they may manage credentials. */
function administrator(res: Response): RestCaller {
  const caller = callerOf(res);
  if (caller.user.Id !== caller.org.adminUser.Id) {
    throw new SalesforceApiError(
      403,
      'INSUFFICIENT_ACCESS',
      "You don't have permission to manage credentials. Ask your Salesforce admin for the Customize Application permission.",
    );
  }
  return caller;
}

export function createNamedCredentialsRouter(credentials: NamedCredentials): express.Router {
  const router = express.Router({ mergeParams: true });

  router.post(PATH, (req, res) => {
    const { org, user } = administrator(res);
    const input = parseOrThrow(credentialInput, req.body ?? {}, 'INVALID_INPUT');
    res.status(201).json(credentialView(credentials.create(org, input, user.Id)));
  });

  router.put(PATH, (req, res) => {
    const { org, user } = administrator(res);
    const input = parseOrThrow(credentialInput, req.body ?? {}, 'INVALID_INPUT');
    res.json(credentialView(credentials.change(org, input, user.Id, 'replace')));
  });

  router.patch(PATH, (req, res) => {
    const { org, user } = administrator(res);
    const input = parseOrThrow(credentialInput, req.body ?? {}, 'INVALID_INPUT');
    res.json(credentialView(credentials.change(org, input, user.Id, 'merge')));
  });

  router.get(PATH, (req, res) => {
    const { org } = administrator(res);
    const query = parseOrThrow(principalQuery, req.query, 'INVALID_INPUT');
    res.json(credentialView(credentials.read(org.orgId, query)));
  });

  router.delete(PATH, (req, res) => {
    const { org } = administrator(res);
    credentials.delete(org.orgId, parseOrThrow(principalQuery, req.query, 'INVALID_INPUT'));
    res.status(204).end();
  });

  return router;
}
