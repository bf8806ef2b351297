import { validateCron } from '../controllers/cron';
import type { FieldError } from './resources';
import type { KubeObject } from './types';

/**
 * The API server's semantic validation of the built-in kinds, beyond what
 * the OpenAPI schema says: k8s.io/kubernetes pkg/apis/autoscaling/validation
 * (validateHorizontalPodAutoscalerSpec), pkg/apis/batch/validation
 * (validateScheduleFormat), pkg/apis/apps/validation (ValidateDeploymentSpec)
 * and pkg/apis/core/validation (ports, container names). Messages as
 * field.Invalid / field.Required / field.Duplicate render them.
 */
const invalidValue = (value: unknown) =>
  `Invalid value: ${
    typeof value === 'string' ? JSON.stringify(value) : String(value)
  }`;

const isInt = (v: unknown): v is number => typeof v === 'number';

interface Container {
  name?: string;
  ports?: Array<{ containerPort?: unknown }>;
}

function podSpecErrors(spec: unknown, at: string): FieldError[] {
  const errors: FieldError[] = [];
  const podSpec = (spec ?? {}) as {
    containers?: Container[];
    initContainers?: Container[];
  };
  const seen = new Set<string>();
  for (const [list, containers] of [
    ['containers', podSpec.containers],
    ['initContainers', podSpec.initContainers],
  ] as const) {
    (containers ?? []).forEach((c, i) => {
      if (c.name && seen.has(c.name)) {
        errors.push({
          field: `${at}.${list}[${i}].name`,
          message: `Duplicate value: ${JSON.stringify(c.name)}`,
          reason: 'FieldValueDuplicate',
        });
      }
      if (c.name) seen.add(c.name);
      (c.ports ?? []).forEach((p, j) => {
        if (
          isInt(p.containerPort) &&
          (p.containerPort < 1 || p.containerPort > 65535)
        ) {
          errors.push({
            field: `${at}.${list}[${i}].ports[${j}].containerPort`,
            message: `${invalidValue(
              p.containerPort,
            )}: must be between 1 and 65535, inclusive`,
          });
        }
      });
    });
  }
  if (Array.isArray(podSpec.containers) && podSpec.containers.length === 0) {
    errors.push({
      field: `${at}.containers`,
      message: 'Required value',
      reason: 'FieldValueRequired',
    });
  }
  return errors;
}

function workloadErrors(obj: KubeObject): FieldError[] {
  const spec = (obj.spec ?? {}) as {
    replicas?: unknown;
    selector?: { matchLabels?: Record<string, string> };
    template?: {
      metadata?: { labels?: Record<string, string> };
      spec?: unknown;
    };
  };
  const errors: FieldError[] = [];
  if (isInt(spec.replicas) && spec.replicas < 0) {
    errors.push({
      field: 'spec.replicas',
      message: `${invalidValue(
        spec.replicas,
      )}: must be greater than or equal to 0`,
    });
  }
  const labels = spec.template?.metadata?.labels ?? {};
  const matchLabels = spec.selector?.matchLabels ?? {};
  if (
    spec.selector &&
    Object.entries(matchLabels).some(([k, v]) => labels[k] !== v)
  ) {
    errors.push({
      field: 'spec.template.metadata.labels',
      message: `${invalidValue(
        `map[${Object.entries(labels)
          .map(([k, v]) => `${k}:${v}`)
          .join(' ')}]`,
      )}: \`selector\` does not match template \`labels\``,
    });
  }
  if (spec.template)
    errors.push(...podSpecErrors(spec.template.spec, 'spec.template.spec'));
  return errors;
}

function hpaErrors(obj: KubeObject): FieldError[] {
  const spec = (obj.spec ?? {}) as {
    minReplicas?: unknown;
    maxReplicas?: unknown;
  };
  const errors: FieldError[] = [];
  if (isInt(spec.minReplicas) && spec.minReplicas < 1) {
    errors.push({
      field: 'spec.minReplicas',
      message: `${invalidValue(
        spec.minReplicas,
      )}: must be greater than or equal to 1`,
    });
  }
  if (isInt(spec.maxReplicas) && spec.maxReplicas < 1) {
    errors.push({
      field: 'spec.maxReplicas',
      message: `${invalidValue(spec.maxReplicas)}: must be greater than 0`,
    });
  }
  if (
    isInt(spec.minReplicas) &&
    isInt(spec.maxReplicas) &&
    spec.maxReplicas < spec.minReplicas
  ) {
    errors.push({
      field: 'spec.maxReplicas',
      message: `${invalidValue(
        spec.maxReplicas,
      )}: must be greater than or equal to \`minReplicas\``,
    });
  }
  return errors;
}

function cronJobErrors(obj: KubeObject): FieldError[] {
  const spec = (obj.spec ?? {}) as {
    schedule?: unknown;
    timeZone?: unknown;
    jobTemplate?: { spec?: { template?: { spec?: unknown } } };
  };
  const errors: FieldError[] = [];
  if (typeof spec.schedule === 'string') {
    if (!spec.schedule) {
      errors.push({
        field: 'spec.schedule',
        message: 'Required value',
        reason: 'FieldValueRequired',
      });
    } else if (/^(CRON_)?TZ=/.test(spec.schedule.trim())) {
      errors.push({
        field: 'spec.schedule',
        message: `${invalidValue(
          spec.schedule,
        )}: cannot use TZ or CRON_TZ in schedule, use timeZone field instead`,
      });
    } else {
      const problem = validateCron(spec.schedule);
      if (problem)
        errors.push({
          field: 'spec.schedule',
          message: `${invalidValue(spec.schedule)}: ${problem}`,
        });
    }
  }
  const podSpec = spec.jobTemplate?.spec?.template?.spec;
  if (podSpec)
    errors.push(
      ...podSpecErrors(podSpec, 'spec.jobTemplate.spec.template.spec'),
    );
  return errors;
}

function serviceErrors(obj: KubeObject): FieldError[] {
  const ports =
    ((obj.spec ?? {}) as { ports?: Array<{ port?: unknown }> }).ports ?? [];
  return ports.flatMap((p, i) =>
    isInt(p.port) && (p.port < 1 || p.port > 65535)
      ? [
          {
            field: `spec.ports[${i}].port`,
            message: `${invalidValue(
              p.port,
            )}: must be between 1 and 65535, inclusive`,
          },
        ]
      : [],
  );
}

const RULES: Record<string, (obj: KubeObject) => FieldError[]> = {
  'apps/Deployment': workloadErrors,
  'apps/ReplicaSet': workloadErrors,
  'apps/StatefulSet': workloadErrors,
  'autoscaling/HorizontalPodAutoscaler': hpaErrors,
  'batch/CronJob': cronJobErrors,
  '/Service': serviceErrors,
  '/Pod': obj => podSpecErrors(obj.spec, 'spec'),
};

export function semanticErrors(
  group: string,
  kind: string,
  obj: KubeObject,
): FieldError[] {
  return RULES[`${group}/${kind}`]?.(obj) ?? [];
}
