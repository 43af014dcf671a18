/**
 * Each app's webhook settings and subscriptions, as HubSpot's Webhooks API keeps them.
 *
 * The target URL lives on the app itself (`SandboxApp.webhookTargetUrl`), so an app registered
 * with a target URL has settings without any API call; this registry adds the throttling and the
 * timestamps HubSpot reports, and the subscriptions that decide which changes become events.
 */
import type { ObjectType, SandboxApp, SandboxStore } from '../store.js';

/** The event types the sandbox can emit (a subset of HubSpot's enum: no association changes). */
export const SUPPORTED_EVENT_TYPES = [
  'contact.creation',
  'contact.deletion',
  'contact.propertyChange',
  'contact.restore',
  'contact.merge',
  'contact.privacyDeletion',
  'company.creation',
  'company.deletion',
  'company.propertyChange',
  'company.restore',
  'deal.creation',
  'deal.deletion',
  'deal.propertyChange',
  'deal.restore',
  'ticket.creation',
  'ticket.deletion',
  'ticket.propertyChange',
  'ticket.restore',
  'object.creation',
  'object.deletion',
  'object.propertyChange',
  'object.restore',
] as const;
export type EventType = (typeof SUPPORTED_EVENT_TYPES)[number];

/** The legacy event prefix for the object types that have one (`contact.creation`, …). */
export const LEGACY_EVENT_PREFIX: Partial<Record<ObjectType, string>> = {
  contacts: 'contact',
  companies: 'company',
  deals: 'deal',
  tickets: 'ticket',
};

export interface WebhookSettings {
  targetUrl: string;
  maxConcurrentRequests: number;
  createdAt: Date;
  updatedAt: Date;
}

export interface WebhookSubscription {
  id: number;
  eventType: EventType;
  propertyName?: string;
  objectTypeId?: string;
  active: boolean;
  createdAt: Date;
  updatedAt: Date;
}

export interface SubscriptionInput {
  eventType: EventType;
  propertyName?: string;
  objectTypeId?: string;
  active: boolean;
}

const DEFAULT_MAX_CONCURRENT_REQUESTS = 10;

export class WebhookRegistry {
  private readonly throttling = new Map<
    number,
    { maxConcurrentRequests: number; createdAt: Date; updatedAt: Date }
  >();
  private readonly subscriptionsByApp = new Map<number, Map<number, WebhookSubscription>>();
  private nextSubscriptionId = 1;

  constructor(private readonly store: SandboxStore) {}

  app(appId: number): SandboxApp | undefined {
    return this.store.apps.get(appId);
  }

  settings(appId: number): WebhookSettings | undefined {
    const app = this.store.apps.get(appId);
    if (!app?.webhookTargetUrl) return undefined;
    let entry = this.throttling.get(appId);
    if (!entry) {
      const now = this.store.now();
      entry = { maxConcurrentRequests: DEFAULT_MAX_CONCURRENT_REQUESTS, createdAt: now, updatedAt: now };
      this.throttling.set(appId, entry);
    }
    return { targetUrl: app.webhookTargetUrl, ...entry };
  }

  configure(appId: number, targetUrl: string, maxConcurrentRequests?: number): WebhookSettings {
    const app = this.requireApp(appId);
    const now = this.store.now();
    const previous = app.webhookTargetUrl ? this.throttling.get(appId) : undefined;
    app.webhookTargetUrl = targetUrl;
    this.throttling.set(appId, {
      maxConcurrentRequests:
        maxConcurrentRequests ?? previous?.maxConcurrentRequests ?? DEFAULT_MAX_CONCURRENT_REQUESTS,
      createdAt: previous?.createdAt ?? now,
      updatedAt: now,
    });
    return this.settings(appId)!;
  }

  clearSettings(appId: number): void {
    const app = this.requireApp(appId);
    delete app.webhookTargetUrl;
    this.throttling.delete(appId);
  }

  subscriptions(appId: number): WebhookSubscription[] {
    return [...(this.subscriptionsByApp.get(appId)?.values() ?? [])];
  }

  subscription(appId: number, id: number): WebhookSubscription | undefined {
    return this.subscriptionsByApp.get(appId)?.get(id);
  }

  subscribe(appId: number, input: SubscriptionInput): WebhookSubscription {
    this.requireApp(appId);
    const now = this.store.now();
    const subscription: WebhookSubscription = {
      id: this.nextSubscriptionId++,
      ...input,
      createdAt: now,
      updatedAt: now,
    };
    const byId = this.subscriptionsByApp.get(appId) ?? new Map<number, WebhookSubscription>();
    byId.set(subscription.id, subscription);
    this.subscriptionsByApp.set(appId, byId);
    return subscription;
  }

  /** Replaces all of an app's subscriptions (the admin route's "set them" semantics). */
  replaceSubscriptions(appId: number, inputs: SubscriptionInput[]): WebhookSubscription[] {
    this.subscriptionsByApp.delete(appId);
    return inputs.map((input) => this.subscribe(appId, input));
  }

  setActive(appId: number, id: number, active: boolean): WebhookSubscription | undefined {
    const subscription = this.subscription(appId, id);
    if (!subscription) return undefined;
    subscription.active = active;
    subscription.updatedAt = this.store.now();
    return subscription;
  }

  unsubscribe(appId: number, id: number): boolean {
    return this.subscriptionsByApp.get(appId)?.delete(id) ?? false;
  }

  private requireApp(appId: number): SandboxApp {
    const app = this.store.apps.get(appId);
    if (!app) throw new Error(`no app ${appId}`);
    return app;
  }
}
