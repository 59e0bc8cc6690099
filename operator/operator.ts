// The operator's parts put together: informers (one per watched kind) feed
// controllers (one per reconciled kind); the controllers' workers run only on
// the leader and only after every cache has synced, so a reconcile never acts
// on a half-filled cache.
import { AppsV1Api, type KubeConfig, type KubernetesListObject, type KubernetesObject, type V1Service } from "@kubernetes/client-node";
import type { Logger } from "../sidecar/log/logger.js";
import { Controller, type Reconciler } from "./controller.js";
import { startInformer, type ResilientInformer } from "./informers.js";
import { daprGroup, OperatorKubeClient, type DaprKind } from "./kube-client.js";
import { LeaderElector } from "./leader-election.js";
import { operatorMetrics } from "./metrics.js";
import { componentKind, componentReconciler } from "./reconcilers/component.js";
import { configurationKind, configurationReconciler } from "./reconcilers/configuration.js";
import { appIdOf, daprServiceName, isDaprEnabled, managedByLabel, managedByValue, type Workload } from "./reconcilers/dapr-service.js";
import { objectKey, type DaprObject } from "./reconcilers/dapr-status.js";
import { resiliencyKind, resiliencyReconciler } from "./reconcilers/resiliency.js";
import { subscriptionKind, subscriptionReconciler } from "./reconcilers/subscription.js";
import { ownerKeyOf, workloadKey, workloadServiceReconciler } from "./reconcilers/workload-service.js";

export interface OperatorOptions {
  kc: KubeConfig;
  logger: Logger;
  /** Where the leader Lease lives. */
  namespace: string;
  identity: string;
  leaderElection: boolean;
  leaseName: string;
  leaseDurationMs: number;
  renewDeadlineMs: number;
  retryPeriodMs: number;
  workers: number;
  /** First retry delay of a failing reconcile (tests use small ones). */
  baseRetryDelayMs?: number;
  /** Injected clock for status timestamps (tests). */
  now?: () => Date;
}

export interface RunningOperator {
  /** Resolves once every informer cache has synced. */
  synced: Promise<void>;
  isSynced(): boolean;
  isLeader(): boolean;
  /** Reconcile passes finished so far, over all controllers. */
  passes(): number;
  /** Keys waiting in all work queues. */
  pending(): number;
  stop(): Promise<void>;
}

type WorkloadObject = Workload & KubernetesObject;

export function startOperator(opts: OperatorOptions): RunningOperator {
  const logger = opts.logger.child("dapr.operator");
  const client = new OperatorKubeClient(opts.kc);
  const apps = opts.kc.makeApiClient(AppsV1Api);
  const informers: ResilientInformer<KubernetesObject>[] = [];
  const controllers: Controller[] = [];
  const controllerOf = (r: Reconciler) => {
    const c = new Controller(r, { workers: opts.workers, logger, ...(opts.baseRetryDelayMs !== undefined ? { baseRetryDelayMs: opts.baseRetryDelayMs } : {}) });
    controllers.push(c);
    return c;
  };
  const watch = <T extends KubernetesObject>(path: string, list: () => Promise<KubernetesListObject<T>>, onEvent: (obj: T) => void, labelSelector?: string): ResilientInformer<T> => {
    const inf = startInformer<T>({ kc: opts.kc, path, list, onEvent, logger, ...(labelSelector ? { labelSelector } : {}) });
    informers.push(inf as unknown as ResilientInformer<KubernetesObject>);
    return inf;
  };

  // dapr.io kinds: each its informer and its controller, events keyed namespace/name.
  const daprKinds: [DaprKind, (cache: ResilientInformer<DaprObject>["cache"]) => Reconciler][] = [
    [componentKind, (cache) => componentReconciler(cache, client, logger, opts.now)],
    [resiliencyKind, (cache) => resiliencyReconciler(cache, client, logger, opts.now)],
    [subscriptionKind, (cache) => subscriptionReconciler(cache, client, logger, opts.now)],
    [configurationKind, (cache) => configurationReconciler(cache, client, logger, opts.now)],
  ];
  for (const [kind, make] of daprKinds) {
    let controller: Controller | undefined;
    const inf = watch<DaprObject>(
      `/apis/${daprGroup}/${kind.version}/${kind.plural}`,
      () => client.custom.listClusterCustomObject({ group: daprGroup, version: kind.version, plural: kind.plural }) as Promise<KubernetesListObject<DaprObject>>,
      (obj) => controller?.enqueue(objectKey(obj)),
    );
    controller = controllerOf(make(inf.cache));
  }

  // Workloads and their dapr Services: one controller, keyed Kind/namespace/name.
  let workloadController: Controller | undefined;
  const enqueueWorkload = (kind: string) => (obj: KubernetesObject) => workloadController?.enqueue(workloadKey(kind, obj));
  const deployments = watch<WorkloadObject>("/apis/apps/v1/deployments", () => apps.listDeploymentForAllNamespaces() as Promise<KubernetesListObject<WorkloadObject>>, enqueueWorkload("Deployment"));
  const statefulSets = watch<WorkloadObject>("/apis/apps/v1/statefulsets", () => apps.listStatefulSetForAllNamespaces() as Promise<KubernetesListObject<WorkloadObject>>, enqueueWorkload("StatefulSet"));
  const selector = `${managedByLabel}=${managedByValue}`;
  const services = watch<V1Service>(
    "/api/v1/services",
    () => client.core.listServiceForAllNamespaces({ labelSelector: selector }) as Promise<KubernetesListObject<V1Service>>,
    (svc) => {
      // A Service deleted or edited by hand is put back by its workload's pass.
      const owner = ownerKeyOf(svc);
      if (owner) workloadController?.enqueue(owner);
      // When it goes with its owner, another workload of the same app-id may now claim the name.
      const namespace = svc.metadata?.namespace ?? "";
      for (const [kind, inf] of [["Deployment", deployments], ["StatefulSet", statefulSets]] as const) {
        for (const w of inf.cache.list(namespace)) {
          if (isDaprEnabled(w) && daprServiceName(appIdOf(w)) === svc.metadata?.name) workloadController?.enqueue(workloadKey(kind, w));
        }
      }
    },
    selector,
  );
  workloadController = controllerOf(
    workloadServiceReconciler({ workloads: { Deployment: deployments.cache, StatefulSet: statefulSets.cache }, services: services.cache, writer: client, logger }),
  );

  let synced = false;
  const allSynced = Promise.all(informers.map((i) => i.synced)).then(() => {
    synced = true;
    logger.info("informer caches synced", { informers: informers.length });
  });

  // Workers run while leading, from the moment the caches are complete.
  let leading = false;
  let stopping = false;
  const startControllers = () => {
    leading = true;
    void allSynced.then(() => {
      if (leading && !stopping) for (const c of controllers) c.start();
    });
  };
  const stopControllers = async () => {
    leading = false;
    await Promise.all(controllers.map((c) => c.stop()));
  };

  let elector: LeaderElector | undefined;
  if (opts.leaderElection) {
    elector = new LeaderElector({
      kc: opts.kc,
      namespace: opts.namespace,
      name: opts.leaseName,
      identity: opts.identity,
      leaseDurationMs: opts.leaseDurationMs,
      renewDeadlineMs: opts.renewDeadlineMs,
      retryPeriodMs: opts.retryPeriodMs,
      logger,
      onStartedLeading: () => {
        operatorMetrics.leader.set(1);
        startControllers();
      },
      onStoppedLeading: async () => {
        operatorMetrics.leader.set(0);
        await stopControllers();
      },
    });
    elector.start();
  } else {
    startControllers();
  }

  return {
    synced: allSynced,
    isSynced: () => synced,
    isLeader: () => leading,
    passes: () => controllers.reduce((n, c) => n + c.passes, 0),
    pending: () => controllers.reduce((n, c) => n + c.pending, 0),
    async stop() {
      stopping = true;
      await elector?.stop();
      await stopControllers();
      await Promise.all(informers.map((i) => i.stop()));
      await client.close();
    },
  };
}
