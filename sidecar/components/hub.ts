// The live components of one sidecar, by name, with what the metadata API shows
// of them. Building blocks look components up here; hot reload swaps them here.
import type { Component } from "./component.js";

export interface LoadedComponent {
  name: string;
  type: string;
  version: string;
  category: string;
  instance: Component;
  capabilities: string[];
  /** Resolved metadata properties; kept for building blocks (never shown: may hold secrets). */
  properties: Record<string, string>;
  source: string;
}

export interface FailedComponent {
  name: string;
  type: string;
  version: string;
  error: string;
  source: string;
}

export class ComponentHub {
  private readonly loaded = new Map<string, LoadedComponent>();
  private readonly failed = new Map<string, FailedComponent>();
  private readonly listeners = new Set<(name: string, c: LoadedComponent | undefined) => void>();

  add(c: LoadedComponent): void {
    this.failed.delete(c.name);
    this.loaded.set(c.name, c);
    this.emit(c.name, c);
  }

  addFailure(f: FailedComponent): void {
    this.failed.set(f.name, f);
  }

  remove(name: string): LoadedComponent | undefined {
    const c = this.loaded.get(name);
    this.loaded.delete(name);
    this.failed.delete(name);
    if (c) this.emit(name, undefined);
    return c;
  }

  get(name: string): LoadedComponent | undefined {
    return this.loaded.get(name);
  }

  /** The component `name` if it belongs to `category`. */
  find(category: string, name: string): LoadedComponent | undefined {
    const c = this.loaded.get(name);
    return c && c.category === category ? c : undefined;
  }

  list(category?: string): LoadedComponent[] {
    const all = [...this.loaded.values()];
    return category ? all.filter((c) => c.category === category) : all;
  }

  failures(): FailedComponent[] {
    return [...this.failed.values()];
  }

  /** Called whenever a component is added, replaced or removed (hot reload). */
  onChange(fn: (name: string, c: LoadedComponent | undefined) => void): () => void {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  }

  async closeAll(): Promise<void> {
    const all = [...this.loaded.values()];
    this.loaded.clear();
    await Promise.allSettled(all.map((c) => c.instance.close()));
  }

  private emit(name: string, c: LoadedComponent | undefined): void {
    for (const fn of this.listeners) fn(name, c);
  }
}
