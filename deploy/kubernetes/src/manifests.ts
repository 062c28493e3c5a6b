/**
 * Kubernetes manifests for teams that run deskpulse there (docs/deployment.md "Kubernetes"):
 * the ingest (Deployment + HorizontalPodAutoscaler), the processor (a Deployment: its replicas
 * share the stream partitions through the leases of processor/shell/leases.ts, so no StatefulSet
 * identity is needed), Services, ServiceMonitors, a PrometheusRule generated from the same rule
 * source as alerting/rules/ (alerting/src), the ConfigMap of the config file and the Secret of the
 * environment. NATS (its Helm chart, JetStream R3) and ClickHouse (a server or ClickHouse Cloud)
 * are provided beside deskpulse, not by these manifests.
 *
 * `npm run manifests` writes deploy/kubernetes/deskpulse.yaml; test/unit/kubernetes.test.ts
 * validates every object against the Kubernetes API schemas (kubernetes-models).
 */
import { stringify } from 'yaml'
import { defaultConfig, type Config } from '../../../schemas/config.js'
import { buildRuleGroups } from '../../../alerting/src/index.js'
import { plainRuleFile } from '../../../alerting/src/plain.js'

export const NAMESPACE = 'deskpulse'
/** The image the Dockerfile's `slim` target builds (no embedded ClickHouse), pushed to your registry. */
export const IMAGE = 'registry.example.com/deskpulse:0.1.0-slim'
const PARTITIONS = 8

type Obj = Record<string, unknown>
const labels = (component: string) => ({ 'app.kubernetes.io/name': 'deskpulse', 'app.kubernetes.io/component': component, 'app.kubernetes.io/part-of': 'deskpulse' })
const meta = (name: string, component: string, extra: Obj = {}) => ({ name, namespace: NAMESPACE, labels: labels(component), ...extra })

/** Secrets every pod reads as environment variables (.env.example says how to generate each). */
export const SECRET_KEYS = [
  'NATS_URL',
  'CLICKHOUSE_URL',
  'WHATSAPP_APP_SECRET',
  'WHATSAPP_VERIFY_TOKEN',
  'DESKPULSE_API_TOKEN',
  'DESKPULSE_PII_KEY',
  'DESKPULSE_ADMIN_TOKEN',
  'DESKPULSE_WALLBOARD_TOKEN',
] as const

const secret = (): Obj => ({
  apiVersion: 'v1',
  kind: 'Secret',
  metadata: meta('deskpulse-secrets', 'config'),
  type: 'Opaque',
  // Placeholders that fail start-up (too short, wrong URLs) until replaced: create the Secret
  // from your own values instead (docs/deployment.md "Kubernetes").
  stringData: Object.fromEntries(SECRET_KEYS.map((k) => [k, k === 'NATS_URL' ? 'nats://deskpulse:REPLACE_ME@nats.nats.svc:4222' : k === 'CLICKHOUSE_URL' ? 'http://deskpulse:REPLACE_ME@clickhouse.clickhouse.svc:8123/deskpulse' : 'REPLACE_ME'])),
})

/** The deployment config: the job names are the Services' names, which the ServiceMonitors' jobs take. */
export const deploymentConfig = (): Config => defaultConfig()

const configMap = (): Obj => ({
  apiVersion: 'v1',
  kind: 'ConfigMap',
  metadata: meta('deskpulse-config', 'config'),
  data: {
    'deskpulse.yml': [
      '# The deployment config (docs/configuration.md): thresholds, business hours, lines, teams, retention.',
      '# `deskpulse rules --config deskpulse.yml --out DIR` builds the matching PrometheusRule groups.',
      'monitoring:',
      '  jobs: { ingest: deskpulse-ingest, processor: deskpulse-processor }',
      '',
    ].join('\n'),
  },
})

const securityContext = { runAsNonRoot: true, runAsUser: 1000, runAsGroup: 1000, allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, capabilities: { drop: ['ALL'] } }

function container(component: 'ingest' | 'processor', ports: { http: number; metrics: number }, env: Obj[]) {
  return {
    name: component,
    image: IMAGE,
    args: [component],
    ports: [
      { name: 'http', containerPort: ports.http },
      { name: 'metrics', containerPort: ports.metrics },
    ],
    env: [
      { name: 'PRIVATE_HOST', value: '0.0.0.0' },
      { name: 'DESKPULSE_CONFIG', value: '/etc/deskpulse/deskpulse.yml' },
      { name: 'DESKPULSE_PARTITIONS', value: String(PARTITIONS) },
      { name: 'DESKPULSE_STREAM_REPLICAS', value: '3' },
      { name: 'LOG_LEVEL', value: 'info' },
      ...env,
    ],
    envFrom: [{ secretRef: { name: 'deskpulse-secrets' } }],
    // Ready: the stream reachable (and for the processor its partitions served); a NATS election
    // makes /readyz fail for seconds, so several failures are needed (docs/deployment.md).
    readinessProbe: { httpGet: { path: '/readyz', port: 'http' }, periodSeconds: 5, failureThreshold: 3 },
    livenessProbe: { httpGet: { path: '/healthz', port: 'http' }, periodSeconds: 10, failureThreshold: 6 },
    resources: component === 'ingest' ? { requests: { cpu: '250m', memory: '192Mi' }, limits: { memory: '512Mi' } } : { requests: { cpu: '500m', memory: '512Mi' }, limits: { memory: '2Gi' } },
    securityContext,
    volumeMounts: [
      { name: 'config', mountPath: '/etc/deskpulse', readOnly: true },
      { name: 'data', mountPath: '/data' },
      { name: 'tmp', mountPath: '/tmp' },
    ],
  }
}

const podSpec = (c: Obj) => ({
  securityContext: { fsGroup: 1000, seccompProfile: { type: 'RuntimeDefault' } },
  terminationGracePeriodSeconds: 30,
  containers: [c],
  volumes: [
    { name: 'config', configMap: { name: 'deskpulse-config' } },
    { name: 'data', emptyDir: {} },
    // The root filesystem is read-only; Node and its libraries may still want a /tmp.
    { name: 'tmp', emptyDir: {} },
  ],
})

const deployment = (component: 'ingest' | 'processor', replicas: number, c: Obj): Obj => ({
  apiVersion: 'apps/v1',
  kind: 'Deployment',
  metadata: meta(`deskpulse-${component}`, component),
  spec: {
    replicas,
    selector: { matchLabels: labels(component) },
    template: { metadata: { labels: labels(component) }, spec: podSpec(c) },
  },
})

const service = (component: 'ingest' | 'processor', ports: { http: number; metrics: number }): Obj => ({
  apiVersion: 'v1',
  kind: 'Service',
  metadata: meta(`deskpulse-${component}`, component),
  spec: {
    selector: labels(component),
    ports: [
      { name: 'http', port: ports.http, targetPort: 'http' },
      { name: 'metrics', port: ports.metrics, targetPort: 'metrics' },
    ],
  },
})

/** prometheus-operator's ServiceMonitor: the job label is the Service's name, as monitoring.jobs expects. */
const serviceMonitor = (component: 'ingest' | 'processor', interval: string): Obj => ({
  apiVersion: 'monitoring.coreos.com/v1',
  kind: 'ServiceMonitor',
  metadata: meta(`deskpulse-${component}`, component),
  spec: {
    selector: { matchLabels: labels(component) },
    endpoints: [{ port: 'metrics', path: '/metrics', interval }],
  },
})

const INGEST_PORTS = { http: 8080, metrics: 8081 }
const PROCESSOR_PORTS = { http: 9464, metrics: 9465 }

export function manifests(config: Config = deploymentConfig()): Obj[] {
  return [
    configMap(),
    secret(),
    deployment('ingest', 2, container('ingest', INGEST_PORTS, [{ name: 'PORT', value: '8080' }, { name: 'INGEST_PRIVATE_PORT', value: '8081' }])),
    service('ingest', INGEST_PORTS),
    {
      apiVersion: 'autoscaling/v2',
      kind: 'HorizontalPodAutoscaler',
      metadata: meta('deskpulse-ingest', 'ingest'),
      spec: {
        scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'deskpulse-ingest' },
        minReplicas: 2,
        maxReplicas: 10,
        metrics: [{ type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: 70 } } }],
      },
    },
    deployment(
      'processor',
      2,
      container('processor', PROCESSOR_PORTS, [
        { name: 'PROCESSOR_PORT', value: '9464' },
        { name: 'PROCESSOR_PRIVATE_PORT', value: '9465' },
        { name: 'ALERTMANAGER_URL', value: 'http://alertmanager-operated.monitoring.svc:9093' },
      ]),
    ),
    service('processor', PROCESSOR_PORTS),
    {
      apiVersion: 'policy/v1',
      kind: 'PodDisruptionBudget',
      metadata: meta('deskpulse-processor', 'processor'),
      spec: { minAvailable: 1, selector: { matchLabels: labels('processor') } },
    },
    serviceMonitor('ingest', '15s'),
    serviceMonitor('processor', '5s'),
    {
      apiVersion: 'monitoring.coreos.com/v1',
      kind: 'PrometheusRule',
      metadata: meta('deskpulse', 'monitoring'),
      // The same groups as alerting/rules/deskpulse.rules.yml, from alerting/src.
      spec: plainRuleFile(buildRuleGroups(config)),
    },
  ]
}

const HEADER = `# GENERATED from deploy/kubernetes/src/manifests.ts by \`npm run manifests\`: do not edit.
# deskpulse on Kubernetes (docs/deployment.md "Kubernetes"). Before applying: create the
# namespace, replace the Secret's values (or create it yourself), push the image, point
# ALERTMANAGER_URL at your Alertmanager. NATS and ClickHouse are not in here.
`

export const renderManifests = (objects: Obj[] = manifests()): string => HEADER + objects.map((o) => `---\n${stringify(o, { lineWidth: 0 })}`).join('')
