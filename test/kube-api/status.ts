// Kubernetes `Status` objects, shaped exactly as the real API server returns
// them, so client libraries and kubectl print the same messages.

export interface StatusCause {
  reason: string;
  message: string;
  field?: string;
}

export interface StatusDetails {
  name?: string;
  group?: string;
  kind?: string;
  causes?: StatusCause[];
}

export interface KubeStatus {
  kind: "Status";
  apiVersion: "v1";
  metadata: Record<string, never>;
  status: "Failure" | "Success";
  message: string;
  reason: string;
  details?: StatusDetails;
  code: number;
}

/** An error that the HTTP layer turns into a Status response. */
export class KubeError extends Error {
  constructor(
    readonly code: number,
    readonly reason: string,
    message: string,
    readonly details?: StatusDetails,
  ) {
    super(message);
  }

  toStatus(): KubeStatus {
    const status: KubeStatus = { kind: "Status", apiVersion: "v1", metadata: {}, status: "Failure", message: this.message, reason: this.reason, code: this.code };
    if (this.details) status.details = this.details;
    return status;
  }
}

/** "pods" or "deployments.apps": how the real server names a resource in messages. */
export function qualifiedResource(group: string, plural: string): string {
  return group ? `${plural}.${group}` : plural;
}

export const statusErrors = {
  notFound: (group: string, plural: string, name: string) =>
    new KubeError(404, "NotFound", `${qualifiedResource(group, plural)} "${name}" not found`, { name, group: group || undefined, kind: plural }),
  alreadyExists: (group: string, plural: string, name: string) =>
    new KubeError(409, "AlreadyExists", `${qualifiedResource(group, plural)} "${name}" already exists`, { name, group: group || undefined, kind: plural }),
  conflict: (group: string, plural: string, name: string) =>
    new KubeError(
      409,
      "Conflict",
      `Operation cannot be fulfilled on ${qualifiedResource(group, plural)} "${name}": the object has been modified; please apply your changes to the latest version and try again`,
      { name, group: group || undefined, kind: plural },
    ),
  invalid: (group: string, kind: string, name: string, causes: StatusCause[]) => {
    const what = group ? `${kind}.${group}` : kind;
    const summary = causes.map((c) => (c.field ? `${c.field}: ${c.message}` : c.message));
    const list = summary.length === 1 ? summary[0] : `[${summary.join(", ")}]`;
    return new KubeError(422, "Invalid", `${what} "${name}" is invalid: ${list}`, { name, group: group || undefined, kind, causes });
  },
  badRequest: (message: string) => new KubeError(400, "BadRequest", message),
  methodNotAllowed: (message = "the server does not allow this method on the requested resource") => new KubeError(405, "MethodNotAllowed", message),
  pathNotFound: () => new KubeError(404, "NotFound", "the server could not find the requested resource"),
  unsupportedMediaType: (contentType: string) => new KubeError(415, "UnsupportedMediaType", `the body of the request was in an unknown format - accepted media types include: application/json-patch+json, application/merge-patch+json, application/apply-patch+yaml; got ${contentType}`),
  namespaceNotFound: (ns: string) => new KubeError(404, "NotFound", `namespaces "${ns}" not found`, { name: ns, kind: "namespaces" }),
  gone: (message: string) => new KubeError(410, "Expired", message),
  internal: (message: string) => new KubeError(500, "InternalError", `Internal error occurred: ${message}`, { causes: [{ reason: "UnexpectedServerResponse", message }] }),
  forbidden: (message: string) => new KubeError(403, "Forbidden", message),
};
