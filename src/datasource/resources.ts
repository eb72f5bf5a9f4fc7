import type { FieldSummary, ModelSummary, ValueCount, VersionSummary } from './types';

/** Makes a GET request to one of the data source's resource routes (`DataSourceWithBackend.getResource`). */
export type ResourceGet = (path: string, params?: Record<string, string>) => Promise<unknown>;

/** How long a listing is reused before it is asked for again; new models and versions show up after this. */
const MAX_AGE_MS = 30_000;

/**
 * The resource API of DESIGN §5, typed, with each listing shared for a short while so that the many
 * pickers of one editor ask the backend once. A failed request is forgotten at once, so the next
 * picker that needs it asks again.
 */
export class VigilResources {
  private cache = new Map<string, { at: number; promise: Promise<unknown> }>();

  constructor(
    private readonly get: ResourceGet,
    private readonly now: () => number = Date.now
  ) {}

  models(): Promise<ModelSummary[]> {
    return this.cached('models');
  }

  features(model: string): Promise<FieldSummary[]> {
    return this.cached(`models/${encodeURIComponent(model)}/features`);
  }

  versions(model: string): Promise<VersionSummary[]> {
    return this.cached(`models/${encodeURIComponent(model)}/versions`);
  }

  values(model: string, field: string): Promise<ValueCount[]> {
    return this.cached(`models/${encodeURIComponent(model)}/values`, { field });
  }

  private cached<T>(path: string, params?: Record<string, string>): Promise<T> {
    const key = params ? `${path}?${new URLSearchParams(params).toString()}` : path;
    const hit = this.cache.get(key);
    if (hit && this.now() - hit.at < MAX_AGE_MS) {
      return hit.promise as Promise<T>;
    }
    const promise = this.get(path, params).then((body) => {
      if (!Array.isArray(body)) {
        throw new Error(`unexpected answer from ${path}: expected a list`);
      }
      return body as T;
    });
    this.cache.set(key, { at: this.now(), promise });
    promise.catch(() => {
      if (this.cache.get(key)?.promise === promise) {
        this.cache.delete(key);
      }
    });
    return promise;
  }
}

/** Distinct values in first-seen order. */
export function distinct(values: string[]): string[] {
  return [...new Set(values)];
}

/**
 * The message of a failed resource request: the backend's `{"error": …}` body, Grafana's
 * `{"message": …}`, or the HTTP status.
 */
export function resourceErrorMessage(error: unknown): string {
  if (typeof error === 'object' && error !== null) {
    const { data, status, statusText, message } = error as {
      data?: { error?: unknown; message?: unknown };
      status?: number;
      statusText?: string;
      message?: unknown;
    };
    for (const candidate of [data?.error, data?.message, message]) {
      if (typeof candidate === 'string' && candidate !== '') {
        return candidate;
      }
    }
    if (status !== undefined) {
      return `HTTP ${status}${statusText ? ` ${statusText}` : ''}`;
    }
  }
  return typeof error === 'string' && error !== '' ? error : 'unknown error';
}
