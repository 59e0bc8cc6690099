// The binding contracts (components-contrib `bindings`): an input binding
// pushes events from outside into the app; an output binding performs named
// operations on an outside system. One type may be both (rabbitmq, mqtt3):
// then a single instance implements both interfaces.
import type { Component } from "../component.js";

export interface BindingEvent {
  data: Buffer;
  metadata: Record<string, string>;
}

/** Delivers one event to the app. Throwing means the app did not accept it (brokers then nack/redeliver). */
export type BindingHandler = (event: BindingEvent) => Promise<Buffer | void>;

export interface InputBinding extends Component {
  /** Starts delivering events to `handler`; resolves once reading has started. `close()` stops it. */
  read(handler: BindingHandler): Promise<void>;
}

export interface InvokeRequest {
  operation: string;
  data: Buffer;
  metadata: Record<string, string>;
}

export interface InvokeResponse {
  data?: Buffer;
  metadata?: Record<string, string>;
  contentType?: string;
}

export interface OutputBinding extends Component {
  /** The operations `invoke` accepts, as Dapr names them. */
  operations(): string[];
  invoke(req: InvokeRequest): Promise<InvokeResponse>;
}

export function isInputBinding(c: Component): c is InputBinding {
  return typeof (c as Partial<InputBinding>).read === "function";
}

export function isOutputBinding(c: Component): c is OutputBinding {
  return typeof (c as Partial<OutputBinding>).invoke === "function";
}

export class UnsupportedOperationError extends Error {
  constructor(readonly operation: string, readonly supported: string[], bindingName: string) {
    super(`binding ${bindingName} does not support operation '${operation}'; supported operations: ${supported.join(", ")}`);
    this.name = "UnsupportedOperationError";
  }
}

/** Throws UnsupportedOperationError unless `operation` is one of `binding.operations()`. */
export function assertOperation(binding: OutputBinding, operation: string, bindingName: string): void {
  const ops = binding.operations();
  if (!ops.includes(operation)) throw new UnsupportedOperationError(operation, ops, bindingName);
}
