// The validator must catch what it claims to: a small valid deployment
// passes, and each broken copy fails naming the problem.
import assert from "node:assert/strict";
import test from "node:test";
import { validateObjects } from "./validate.mjs";

const labels = { "app.kubernetes.io/name": "bw", "app.kubernetes.io/component": "svc" };

function valid() {
  const container = {
    name: "svc",
    image: "bridgework",
    command: ["/usr/local/bin/bridgework-extractor"],
    ports: [{ name: "grpc", containerPort: 7101 }],
    readinessProbe: { grpc: { port: 7101 } },
    livenessProbe: { grpc: { port: 7101 } },
    resources: {
      requests: { cpu: "100m", memory: "64Mi" },
      limits: { cpu: "1", memory: "256Mi" },
    },
    securityContext: {
      allowPrivilegeEscalation: false,
      readOnlyRootFilesystem: true,
      capabilities: { drop: ["ALL"] },
    },
    volumeMounts: [{ name: "cfg", mountPath: "/etc/bw" }],
  };
  return [
    {
      apiVersion: "v1",
      kind: "Namespace",
      metadata: {
        name: "bw",
        labels: { "pod-security.kubernetes.io/enforce": "restricted" },
      },
    },
    { apiVersion: "v1", kind: "ConfigMap", metadata: { name: "cfg" }, data: { a: "b" } },
    {
      apiVersion: "apps/v1",
      kind: "Deployment",
      metadata: { name: "svc" },
      spec: {
        replicas: 1,
        selector: { matchLabels: labels },
        template: {
          metadata: { labels },
          spec: {
            automountServiceAccountToken: false,
            enableServiceLinks: false,
            securityContext: { runAsNonRoot: true, seccompProfile: { type: "RuntimeDefault" } },
            containers: [container],
            volumes: [{ name: "cfg", configMap: { name: "cfg" } }],
          },
        },
      },
    },
    {
      apiVersion: "v1",
      kind: "Service",
      metadata: { name: "svc" },
      spec: { selector: labels, ports: [{ name: "grpc", port: 7101, targetPort: "grpc" }] },
    },
    {
      apiVersion: "policy/v1",
      kind: "PodDisruptionBudget",
      metadata: { name: "svc" },
      spec: { maxUnavailable: 1, selector: { matchLabels: labels } },
    },
    {
      apiVersion: "networking.k8s.io/v1",
      kind: "NetworkPolicy",
      metadata: { name: "deny" },
      spec: { podSelector: {}, policyTypes: ["Ingress", "Egress"] },
    },
  ];
}

const deployment = (objects) => objects.find((o) => o.kind === "Deployment");
const container = (objects) => deployment(objects).spec.template.spec.containers[0];

function expectProblem(mutate, pattern) {
  const objects = valid();
  mutate(objects);
  const problems = validateObjects(objects);
  assert.ok(
    problems.some((p) => pattern.test(p)),
    `expected a problem matching ${pattern}, got:\n${problems.join("\n")}`,
  );
}

test("a valid deployment passes", () => {
  assert.deepEqual(validateObjects(valid()), []);
});

test("schema: a wrong type", () =>
  expectProblem((o) => (container(o).readinessProbe.grpc.port = "grpc"), /port must be integer/));

test("schema: a missing required field", () =>
  expectProblem((o) => delete deployment(o).spec.selector, /required property selector/));

test("schema: an unknown kind", () =>
  expectProblem((o) => (o[1].kind = "ConfigMapp"), /unknown apiVersion\/kind v1\/ConfigMapp/));

test("unknown field: a misspelt one deep in a pod", () =>
  expectProblem(
    (o) => (container(o).securityContext.readOnlyRootFileSystem = true),
    /containers\[0\]\.securityContext\.readOnlyRootFileSystem: unknown field/,
  ));

test("unknown field: at the top of a spec", () =>
  expectProblem((o) => (deployment(o).spec.replica = 2), /spec\.replica: unknown field/));

test("rule: root filesystem writable", () =>
  expectProblem(
    (o) => (container(o).securityContext.readOnlyRootFilesystem = false),
    /readOnlyRootFilesystem is not true/,
  ));

test("rule: capabilities kept", () =>
  expectProblem((o) => delete container(o).securityContext.capabilities, /drop does not include ALL/));

test("rule: privilege escalation", () =>
  expectProblem(
    (o) => delete container(o).securityContext.allowPrivilegeEscalation,
    /allowPrivilegeEscalation is not false/,
  ));

test("rule: pod may run as root", () =>
  expectProblem(
    (o) => delete deployment(o).spec.template.spec.securityContext.runAsNonRoot,
    /runAsNonRoot is not true/,
  ));

test("rule: seccomp", () =>
  expectProblem(
    (o) => delete deployment(o).spec.template.spec.securityContext.seccompProfile,
    /seccompProfile.type is not RuntimeDefault/,
  ));

test("rule: service links", () =>
  expectProblem(
    (o) => delete deployment(o).spec.template.spec.enableServiceLinks,
    /enableServiceLinks is not false/,
  ));

test("rule: no limits", () =>
  expectProblem((o) => delete container(o).resources.limits, /no resources.limits.cpu/));

test("rule: probe not gRPC", () =>
  expectProblem(
    (o) => (container(o).livenessProbe = { tcpSocket: { port: 7101 } }),
    /livenessProbe is not a gRPC probe on port 7101/,
  ));

test("rule: a TLS service is probed on its plaintext health port", () => {
  const objects = valid();
  container(objects).ports.push({ name: "health", containerPort: 8101 });
  for (const p of ["readinessProbe", "livenessProbe"])
    container(objects)[p] = { grpc: { port: 8101 } };
  assert.deepEqual(validateObjects(objects), []);
  expectProblem(
    (o) => container(o).ports.push({ name: "health", containerPort: 8101 }),
    /readinessProbe is not a gRPC probe on port 8101/,
  );
});

test("rule: a metrics port is announced and admitted", () => {
  const withMetrics = (objects) => {
    container(objects).ports.push({ name: "metrics", containerPort: 9464 });
    deployment(objects).spec.template.metadata.annotations = {
      "prometheus.io/scrape": "true",
      "prometheus.io/port": "9464",
    };
    objects.push({
      apiVersion: "networking.k8s.io/v1",
      kind: "NetworkPolicy",
      metadata: { name: "scrape" },
      spec: {
        podSelector: { matchLabels: labels },
        policyTypes: ["Ingress"],
        ingress: [{ ports: [{ protocol: "TCP", port: 9464 }] }],
      },
    });
  };
  const objects = valid();
  withMetrics(objects);
  assert.deepEqual(validateObjects(objects), []);
  expectProblem((o) => {
    withMetrics(o);
    delete deployment(o).spec.template.metadata.annotations["prometheus.io/port"];
  }, /metrics port 9464 is not announced/);
  expectProblem((o) => {
    withMetrics(o);
    o.pop();
  }, /no NetworkPolicy admits a scrape of metrics port 9464/);
});

test("rule: no readiness probe", () =>
  expectProblem((o) => delete container(o).readinessProbe, /no readinessProbe/));

test("rule: missing ConfigMap", () =>
  expectProblem((o) => o.splice(1, 1), /volume cfg: no ConfigMap cfg/));

test("rule: missing ConfigMap declared external is fine", () => {
  const objects = valid();
  objects.splice(1, 1);
  assert.deepEqual(validateObjects(objects, ["ConfigMap/cfg"]), []);
});

test("rule: Service port names no container port", () =>
  expectProblem(
    (o) => (o.find((x) => x.kind === "Service").spec.ports[0].targetPort = "http"),
    /port grpc: no container port http/,
  ));

test("rule: Service selects nothing", () =>
  expectProblem(
    (o) => (o.find((x) => x.kind === "Service").spec.selector = { a: "b" }),
    /Service\/svc: selects no pods/,
  ));

test("rule: no disruption budget", () =>
  expectProblem(
    (o) => o.splice(o.findIndex((x) => x.kind === "PodDisruptionBudget"), 1),
    /no PodDisruptionBudget selects its pods/,
  ));

test("rule: no default deny", () =>
  expectProblem(
    (o) => o.splice(o.findIndex((x) => x.kind === "NetworkPolicy"), 1),
    /no default-deny NetworkPolicy/,
  ));

test("rule: namespace without restricted pod security", () =>
  expectProblem((o) => (o[0].metadata.labels = {}), /does not enforce `restricted`/));
