/**
 * The Webhooks API (`/webhooks/2026-03/{appId}/…`, and the `/webhooks/v3/…` paths the Node SDK
 * calls) plus the sandbox's admin routes for webhooks.
 *
 * Authentication: HubSpot authenticates these calls with the developer account's key. The sandbox
 * has no developer accounts, so it accepts `?hapikey=` equal to the app's client secret.
 *
 * Admin routes (no authentication; the sandbox listens on loopback):
 * - `GET /_sandbox/apps/{appId}/webhooks`: settings and subscriptions;
 * - `PUT /_sandbox/apps/{appId}/webhooks`: `{targetUrl?, maxConcurrentRequests?, subscriptions?}`
 *   sets the target and replaces all subscriptions;
 * - `GET /_sandbox/apps/{appId}/deliveries`: every delivery attempt, oldest first.
 */
import express, { type NextFunction, type Request, type Response } from 'express';
import { z } from 'zod';
import { hubSpotErrorHandler, notFound, parseInput } from '../http/errors.js';
import { OBJECT_TYPE_IDS } from '../http/object-types.js';
import { API_VERSION } from '../http/version.js';
import type { SandboxStore } from '../store.js';
import { WebhookDispatcher, type WebhookDeliveryOptions } from './delivery.js';
import { requireDeveloperKey } from './developer-key.js';
import {
  SUPPORTED_EVENT_TYPES,
  WebhookRegistry,
  type WebhookSettings,
  type WebhookSubscription,
} from './subscriptions.js';

export interface WebhooksRouterDeps {
  delivery?: WebhookDeliveryOptions;
}

/** An express router that owns background work (timers, requests) and must be closed. */
export type ClosableRouter = express.Router & { close(): void };

const API_PREFIXES = [`/webhooks/${API_VERSION}/:appId`, '/webhooks/v3/:appId'];

const subscriptionInput = z
  .object({
    eventType: z.enum(SUPPORTED_EVENT_TYPES, {
      error: `eventType must be one of: ${SUPPORTED_EVENT_TYPES.join(', ')}`,
    }),
    active: z.boolean(),
    propertyName: z.string().min(1).optional(),
    objectTypeId: z.string().optional(),
    eventTypeName: z.string().optional(),
  })
  .superRefine((input, ctx) => {
    if (input.eventType.endsWith('.propertyChange') && !input.propertyName) {
      ctx.addIssue({
        code: 'custom',
        path: ['propertyName'],
        message: 'propertyChange needs a propertyName',
      });
    }
    const knownTypeIds = Object.values(OBJECT_TYPE_IDS);
    if (input.eventType.startsWith('object.') && !knownTypeIds.includes(input.objectTypeId ?? '')) {
      ctx.addIssue({
        code: 'custom',
        path: ['objectTypeId'],
        message: `object.* subscriptions need an objectTypeId, one of: ${knownTypeIds.join(', ')}`,
      });
    }
  });

const targetUrl = z.url({ protocol: /^https?$/, error: 'targetUrl must be an http(s) URL' });
const settingsChange = z.object({
  targetUrl,
  throttling: z.object({ maxConcurrentRequests: z.number().int().min(1).max(100) }),
});
const subscriptionPatch = z.object({ active: z.boolean() });
const batchUpdate = z.object({
  inputs: z.array(z.object({ id: z.coerce.number().int(), active: z.boolean() })).max(100),
});
const adminWebhooks = z.object({
  targetUrl: targetUrl.optional(),
  maxConcurrentRequests: z.number().int().min(1).max(100).optional(),
  subscriptions: z.array(subscriptionInput).optional(),
});

function settingsBody(settings: WebhookSettings) {
  return {
    targetUrl: settings.targetUrl,
    throttling: { maxConcurrentRequests: settings.maxConcurrentRequests },
    createdAt: settings.createdAt.toISOString(),
    updatedAt: settings.updatedAt.toISOString(),
  };
}

function subscriptionBody(subscription: WebhookSubscription) {
  return {
    id: String(subscription.id),
    eventType: subscription.eventType,
    ...(subscription.propertyName ? { propertyName: subscription.propertyName } : {}),
    ...(subscription.objectTypeId ? { objectTypeId: subscription.objectTypeId } : {}),
    active: subscription.active,
    createdAt: subscription.createdAt.toISOString(),
    updatedAt: subscription.updatedAt.toISOString(),
  };
}

function appIdOf(req: Request): number {
  return Number(req.params.appId);
}

function noSubscription(req: Request) {
  return notFound(`No subscription ${req.params.subscriptionId} for app ${req.params.appId}.`);
}

export function createWebhooksRouter(store: SandboxStore, deps: WebhooksRouterDeps = {}): ClosableRouter {
  const registry = new WebhookRegistry(store);
  const dispatcher = new WebhookDispatcher(store, registry, deps.delivery);
  const router = express.Router();
  router.use([...API_PREFIXES, '/_sandbox/apps'], express.json({ limit: '1mb' }));

  const api = (suffix: string) => API_PREFIXES.map((prefix) => prefix + suffix);
  router.use(API_PREFIXES, requireDeveloperKey(store));

  router.get(api('/settings'), (req, res) => {
    const settings = registry.settings(appIdOf(req));
    if (!settings) throw notFound('This app has no webhook settings.');
    res.json(settingsBody(settings));
  });
  router.put(api('/settings'), (req, res) => {
    const body = parseInput(settingsChange, req.body);
    const settings = registry.configure(appIdOf(req), body.targetUrl, body.throttling.maxConcurrentRequests);
    res.json(settingsBody(settings));
  });
  router.delete(api('/settings'), (req, res) => {
    registry.clearSettings(appIdOf(req));
    res.status(204).end();
  });

  router.get(api('/subscriptions'), (req, res) => {
    res.json({ results: registry.subscriptions(appIdOf(req)).map(subscriptionBody) });
  });
  router.post(api('/subscriptions'), (req, res) => {
    const body = parseInput(subscriptionInput, req.body);
    const { eventTypeName: _label, ...input } = body;
    res.status(201).json(subscriptionBody(registry.subscribe(appIdOf(req), input)));
  });
  router.post(api('/subscriptions/batch/update'), (req, res) => {
    const body = parseInput(batchUpdate, req.body);
    const startedAt = new Date().toISOString();
    const results: WebhookSubscription[] = [];
    const errors: { status: string; category: string; message: string; context: { id: string[] } }[] = [];
    for (const input of body.inputs) {
      const updated = registry.setActive(appIdOf(req), input.id, input.active);
      if (updated) results.push(updated);
      else
        errors.push({
          status: 'error',
          category: 'OBJECT_NOT_FOUND',
          message: `No subscription ${input.id}`,
          context: { id: [String(input.id)] },
        });
    }
    res.status(errors.length > 0 ? 207 : 200).json({
      status: 'COMPLETE',
      results: results.map(subscriptionBody),
      ...(errors.length > 0 ? { errors, numErrors: errors.length } : {}),
      startedAt,
      completedAt: new Date().toISOString(),
    });
  });
  router.get(api('/subscriptions/:subscriptionId'), (req, res) => {
    const subscription = registry.subscription(appIdOf(req), Number(req.params.subscriptionId));
    if (!subscription) throw noSubscription(req);
    res.json(subscriptionBody(subscription));
  });
  router.patch(api('/subscriptions/:subscriptionId'), (req, res) => {
    const body = parseInput(subscriptionPatch, req.body);
    const updated = registry.setActive(appIdOf(req), Number(req.params.subscriptionId), body.active);
    if (!updated) throw noSubscription(req);
    res.json(subscriptionBody(updated));
  });
  router.delete(api('/subscriptions/:subscriptionId'), (req, res) => {
    if (!registry.unsubscribe(appIdOf(req), Number(req.params.subscriptionId))) throw noSubscription(req);
    res.status(204).end();
  });

  const requireApp = (req: Request, _res: Response, next: NextFunction): void => {
    if (!registry.app(appIdOf(req))) throw notFound(`No app ${req.params.appId}.`);
    next();
  };
  router.get('/_sandbox/apps/:appId/webhooks', requireApp, (req, res) => {
    const settings = registry.settings(appIdOf(req));
    res.json({
      settings: settings ? settingsBody(settings) : null,
      subscriptions: registry.subscriptions(appIdOf(req)).map(subscriptionBody),
    });
  });
  router.put('/_sandbox/apps/:appId/webhooks', requireApp, (req, res) => {
    const body = parseInput(adminWebhooks, req.body);
    const appId = appIdOf(req);
    if (body.targetUrl) registry.configure(appId, body.targetUrl, body.maxConcurrentRequests);
    if (body.subscriptions) {
      registry.replaceSubscriptions(
        appId,
        body.subscriptions.map(({ eventTypeName: _label, ...input }) => input),
      );
    }
    const settings = registry.settings(appId);
    res.json({
      settings: settings ? settingsBody(settings) : null,
      subscriptions: registry.subscriptions(appId).map(subscriptionBody),
    });
  });
  router.get('/_sandbox/apps/:appId/deliveries', requireApp, (req, res) => {
    res.json({ results: dispatcher.deliveries(appIdOf(req)) });
  });

  router.use(hubSpotErrorHandler);
  return Object.assign(router, { close: () => dispatcher.close() });
}
