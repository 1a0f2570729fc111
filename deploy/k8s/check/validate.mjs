// Validates rendered Kubernetes manifests (`kubectl kustomize` output)
// offline, three ways:
//   1. schema: every object against the Kubernetes OpenAPI schema of its
//      apiVersion and kind (the npm `kubernetes-models` package's
//      validators): types, required fields, enums;
//   2. unknown fields: every field must be one the schema defines (the
//      validators above accept unknown fields, as the API server's
//      non-strict decoding would silently drop them): read from the
//      package's type declarations;
//   3. the deployment's own rules (docs/deploy.md "What k8s-check proves"):
//      security context on every pod and container, resources, gRPC probes,
//      metrics ports announced and admitted, disruption budgets, default-deny network policy, references to
//      ConfigMaps, Secrets and claims that exist, Services that select pods
//      and name their ports.
//
// Usage: node validate.mjs [--external Kind/name ...] rendered.yaml ...
//   --external: an object the cluster must already hold (created by the
//   operator), so references to it are not errors.
// Prints one line per problem ("file: Kind/name: problem") and exits 1 on
// any; prints a summary and exits 0 otherwise.
import fs from "node:fs";
import path from "node:path";
import { createRequire } from "node:module";
import { fileURLToPath } from "node:url";
import { loadAll } from "js-yaml";

const require = createRequire(import.meta.url);

// ---- 1. schema ------------------------------------------------------------

// "apps/v1" -> kubernetes-models/apps/v1; "v1" -> kubernetes-models/v1.
function modelClass(apiVersion, kind) {
  if (typeof apiVersion !== "string" || typeof kind !== "string") return null;
  let mod;
  try {
    mod = require(`kubernetes-models/${apiVersion}`);
  } catch {
    return null;
  }
  return typeof mod[kind] === "function" ? mod[kind] : null;
}

function schemaErrors(obj) {
  const Model = modelClass(obj.apiVersion, obj.kind);
  if (!Model) return [`unknown apiVersion/kind ${obj.apiVersion}/${obj.kind}`];
  try {
    new Model(obj).validate();
    return [];
  } catch (e) {
    return String(e.message)
      .split("\n")
      .filter((l) => l.trim() !== "");
  }
}

// ---- 2. unknown fields ----------------------------------------------------

// The package's declarations: interface name -> {field -> type} (types as
// {kind: "ref"|"array"|"map"|"leaf", of}), keyed by canonical names
// (IIoK8sApiCoreV1Probe). Type aliases (Quantity, IntOrString, Time) are
// leaves.
function loadDeclarations() {
  const roots = [
    path.dirname(require.resolve("kubernetes-models/package.json")),
    path.dirname(
      require.resolve("@kubernetes-models/apimachinery/package.json"),
    ),
  ];
  const interfaces = new Map();
  const walk = (dir) => {
    for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
      const p = path.join(dir, entry.name);
      if (entry.isDirectory()) walk(p);
      else if (entry.name.endsWith(".d.ts")) parseDeclarationFile(p, interfaces);
    }
  };
  for (const r of roots) walk(r);
  return interfaces;
}

function parseType(text) {
  const t = text.trim();
  let m = /^Array<(.*)>$/s.exec(t);
  if (m) return { kind: "array", of: parseType(m[1]) };
  m = /^\{\s*\[key: string\]:\s*(.*?);?\s*\}$/s.exec(t);
  if (m) return { kind: "map", of: parseType(m[1]) };
  if (/^IIo\w+$/.test(t)) return { kind: "ref", of: t };
  return { kind: "leaf" };
}

function parseDeclarationFile(file, interfaces) {
  const src = fs.readFileSync(file, "utf8").replace(/\/\*[\s\S]*?\*\//g, "");
  const aliases = new Map();
  const exp = /export \{([^}]*)\}/g;
  for (let m; (m = exp.exec(src)); ) {
    for (const part of m[1].split(",")) {
      const a = /(\w+)\s+as\s+(\w+)/.exec(part);
      if (a) aliases.set(a[1], a[2]);
    }
  }
  const head = /export interface (\w+)(\s+extends\s+TypeMeta)?\s*\{/g;
  for (let m; (m = head.exec(src)); ) {
    let depth = 1;
    let i = head.lastIndex;
    const start = i;
    while (i < src.length && depth > 0) {
      if (src[i] === "{") depth++;
      else if (src[i] === "}") depth--;
      i++;
    }
    const body = src.slice(start, i - 1);
    const fields = new Map();
    if (m[2]) {
      fields.set("apiVersion", { kind: "leaf" });
      fields.set("kind", { kind: "leaf" });
    }
    // Top-level members: "name"?: type; (types may nest braces or <>).
    let j = 0;
    const prop = /"([^"]+)"\??:\s*/y;
    while (j < body.length) {
      if (/\s/.test(body[j])) {
        j++;
        continue;
      }
      prop.lastIndex = j;
      const p = prop.exec(body);
      if (!p) break;
      let k = prop.lastIndex;
      let d = 0;
      while (k < body.length && !(d === 0 && body[k] === ";")) {
        if (body[k] === "{" || body[k] === "<") d++;
        else if (body[k] === "}" || body[k] === ">") d--;
        k++;
      }
      fields.set(p[1], parseType(body.slice(prop.lastIndex, k)));
      j = k + 1;
    }
    interfaces.set(aliases.get(m[1]) ?? m[1], fields);
  }
}

let declarations = null;

// The canonical interface of apiVersion/kind, from its module's
// declaration file.
function rootInterface(apiVersion, kind) {
  const dir = path.dirname(require.resolve("kubernetes-models/package.json"));
  const file = path.join(dir, apiVersion, `${kind}.d.ts`);
  if (!fs.existsSync(file)) return null;
  const m = new RegExp(`export \\{ I${kind} as (\\w+)`).exec(
    fs.readFileSync(file, "utf8"),
  );
  return m ? m[1] : null;
}

function unknownFields(obj) {
  declarations ??= loadDeclarations();
  const root = rootInterface(obj.apiVersion, obj.kind);
  if (!root) return [];
  const problems = [];
  const visit = (value, type, where) => {
    if (value === null || value === undefined) return;
    if (type.kind === "array") {
      if (Array.isArray(value))
        value.forEach((v, i) => visit(v, type.of, `${where}[${i}]`));
      return;
    }
    if (type.kind === "map") {
      if (typeof value === "object" && !Array.isArray(value))
        for (const [k, v] of Object.entries(value))
          visit(v, type.of, `${where}.${k}`);
      return;
    }
    if (type.kind !== "ref") return;
    const fields = declarations.get(type.of);
    if (!fields || fields.size === 0) return;  // an alias or an open object
    if (typeof value !== "object" || Array.isArray(value)) return;
    for (const [k, v] of Object.entries(value)) {
      const t = fields.get(k);
      if (!t) problems.push(`${where}.${k}: unknown field`);
      else visit(v, t, `${where}.${k}`);
    }
  };
  visit(obj, { kind: "ref", of: root }, "");
  return problems.map((p) => p.replace(/^\./, ""));
}

// ---- 3. the deployment's rules -------------------------------------------

const WORKLOADS = new Set(["Deployment", "StatefulSet", "Job", "DaemonSet"]);

function podSpecOf(obj) {
  if (!WORKLOADS.has(obj.kind)) return null;
  return obj.spec?.template?.spec ?? null;
}

function matches(selector, labels) {
  if (!selector) return false;
  for (const [k, v] of Object.entries(selector.matchLabels ?? {}))
    if (labels?.[k] !== v) return false;
  for (const e of selector.matchExpressions ?? []) {
    const has = labels && Object.prototype.hasOwnProperty.call(labels, e.key);
    const val = labels?.[e.key];
    if (e.operator === "In" && !(has && e.values.includes(val))) return false;
    if (e.operator === "NotIn" && has && e.values.includes(val)) return false;
    if (e.operator === "Exists" && !has) return false;
    if (e.operator === "DoesNotExist" && has) return false;
  }
  return true;
}

function ruleProblems(objects, external) {
  const problems = [];
  const say = (obj, text) =>
    problems.push(`${obj.kind}/${obj.metadata?.name}: ${text}`);
  const have = new Set(external);
  for (const o of objects) have.add(`${o.kind}/${o.metadata?.name}`);
  const workloads = objects.filter((o) => podSpecOf(o));

  for (const w of workloads) {
    const pod = podSpecOf(w);
    const psc = pod.securityContext ?? {};
    if (psc.runAsNonRoot !== true) say(w, "pod securityContext.runAsNonRoot is not true");
    if (psc.seccompProfile?.type !== "RuntimeDefault")
      say(w, "pod securityContext.seccompProfile.type is not RuntimeDefault");
    if (pod.automountServiceAccountToken !== false)
      say(w, "automountServiceAccountToken is not false");
    // Service links would add BRIDGEWORK_<SERVICE>_PORT and the like beside
    // the flags' BRIDGEWORK_* variables.
    if (pod.enableServiceLinks !== false) say(w, "enableServiceLinks is not false");
    const claims = new Set(
      (w.spec.volumeClaimTemplates ?? []).map((t) => t.metadata?.name),
    );
    for (const v of pod.volumes ?? []) {
      if (v.configMap && !have.has(`ConfigMap/${v.configMap.name}`))
        say(w, `volume ${v.name}: no ConfigMap ${v.configMap.name}`);
      if (v.secret && !have.has(`Secret/${v.secret.secretName}`))
        say(w, `volume ${v.name}: no Secret ${v.secret.secretName}`);
      if (
        v.persistentVolumeClaim &&
        !have.has(`PersistentVolumeClaim/${v.persistentVolumeClaim.claimName}`)
      )
        say(w, `volume ${v.name}: no PersistentVolumeClaim ${v.persistentVolumeClaim.claimName}`);
      if (v.hostPath) say(w, `volume ${v.name}: hostPath volumes are not allowed`);
    }
    const volumes = new Set((pod.volumes ?? []).map((v) => v.name));
    const all = [
      ...(pod.initContainers ?? []).map((c) => [c, true]),
      ...(pod.containers ?? []).map((c) => [c, false]),
    ];
    for (const [c, init] of all) {
      const where = `container ${c.name}`;
      const sc = c.securityContext ?? {};
      if (sc.allowPrivilegeEscalation !== false)
        say(w, `${where}: allowPrivilegeEscalation is not false`);
      if (sc.readOnlyRootFilesystem !== true)
        say(w, `${where}: readOnlyRootFilesystem is not true`);
      if (!(sc.capabilities?.drop ?? []).includes("ALL"))
        say(w, `${where}: capabilities.drop does not include ALL`);
      if (sc.privileged === true) say(w, `${where}: privileged`);
      for (const kind of ["requests", "limits"])
        for (const r of ["cpu", "memory"])
          if (c.resources?.[kind]?.[r] === undefined)
            say(w, `${where}: no resources.${kind}.${r}`);
      for (const m of c.volumeMounts ?? [])
        if (!volumes.has(m.name) && !claims.has(m.name))
          say(w, `${where}: mounts unknown volume ${m.name}`);
      for (const e of c.env ?? []) {
        const cm = e.valueFrom?.configMapKeyRef;
        const sk = e.valueFrom?.secretKeyRef;
        if (cm && !have.has(`ConfigMap/${cm.name}`))
          say(w, `${where}: env ${e.name}: no ConfigMap ${cm.name}`);
        if (sk && !have.has(`Secret/${sk.name}`))
          say(w, `${where}: env ${e.name}: no Secret ${sk.name}`);
      }
      for (const e of c.envFrom ?? []) {
        if (e.configMapRef && !have.has(`ConfigMap/${e.configMapRef.name}`))
          say(w, `${where}: envFrom: no ConfigMap ${e.configMapRef.name}`);
        if (e.secretRef && !have.has(`Secret/${e.secretRef.name}`))
          say(w, `${where}: envFrom: no Secret ${e.secretRef.name}`);
      }
      if (init || w.kind === "Job") continue;
      // A serving container: probes; a gRPC port is probed with gRPC, on
      // the container's plaintext `health` port when it has one (a TLS
      // service: the kubelet's gRPC probes cannot speak TLS).
      for (const p of ["readinessProbe", "livenessProbe"])
        if (!c[p]) say(w, `${where}: no ${p}`);
      const named = (name) =>
        (c.ports ?? []).filter((p) => p.name === name).map((p) => p.containerPort);
      const healthPorts = named("health");
      const grpcPorts = named("grpc").length > 0 && healthPorts.length > 0
        ? healthPorts
        : named("grpc");
      for (const port of grpcPorts)
        for (const p of ["readinessProbe", "livenessProbe"])
          if (c[p] && c[p].grpc?.port !== port)
            say(w, `${where}: ${p} is not a gRPC probe on port ${port}`);
      // A `metrics` port is announced to Prometheus by the pod's
      // annotations and admitted by a NetworkPolicy (docs/observability.md).
      const template = w.spec.template.metadata ?? {};
      for (const port of named("metrics")) {
        const a = template.annotations ?? {};
        if (a["prometheus.io/scrape"] !== "true" || a["prometheus.io/port"] !== String(port))
          say(w, `${where}: metrics port ${port} is not announced (prometheus.io/scrape, prometheus.io/port)`);
        const admitted = objects.some(
          (o) =>
            o.kind === "NetworkPolicy" &&
            matches(o.spec?.podSelector, template.labels) &&
            (o.spec.ingress ?? []).some((r) =>
              (r.ports ?? []).some((p) => p.port === port || p.port === "metrics"),
            ),
        );
        if (!admitted) say(w, `${where}: no NetworkPolicy admits a scrape of metrics port ${port}`);
      }
    }
    if (w.kind !== "Job" && w.kind !== "DaemonSet") {
      const labels = w.spec.template.metadata?.labels;
      const pdb = objects.some(
        (o) => o.kind === "PodDisruptionBudget" && matches(o.spec?.selector, labels),
      );
      if (!pdb) say(w, "no PodDisruptionBudget selects its pods");
    }
  }

  for (const s of objects.filter((o) => o.kind === "Service")) {
    const sel = s.spec?.selector;
    if (!sel) continue;
    const pods = workloads.filter((w) =>
      matches({ matchLabels: sel }, w.spec.template.metadata?.labels),
    );
    if (pods.length === 0) {
      say(s, "selects no pods");
      continue;
    }
    for (const p of s.spec.ports ?? []) {
      const target = p.targetPort ?? p.port;
      const ok = pods.some((w) =>
        podSpecOf(w).containers.some((c) =>
          (c.ports ?? []).some((cp) =>
            typeof target === "string" ? cp.name === target : cp.containerPort === target,
          ),
        ),
      );
      if (!ok) say(s, `port ${p.name ?? p.port}: no container port ${target}`);
    }
  }

  for (const h of objects.filter((o) => o.kind === "HorizontalPodAutoscaler")) {
    const ref = h.spec?.scaleTargetRef;
    if (!have.has(`${ref?.kind}/${ref?.name}`))
      say(h, `scales a missing ${ref?.kind}/${ref?.name}`);
  }

  for (const p of objects.filter((o) => o.kind === "PodDisruptionBudget")) {
    if (!workloads.some((w) => matches(p.spec?.selector, w.spec.template.metadata?.labels)))
      say(p, "selects no pods");
  }

  const denyAll = objects.some(
    (o) =>
      o.kind === "NetworkPolicy" &&
      Object.keys(o.spec?.podSelector ?? { x: 1 }).length === 0 &&
      (o.spec.policyTypes ?? []).includes("Ingress") &&
      (o.spec.policyTypes ?? []).includes("Egress") &&
      !o.spec.ingress &&
      !o.spec.egress,
  );
  if (!denyAll)
    problems.push("no default-deny NetworkPolicy (podSelector {}, Ingress and Egress, no rules)");

  for (const n of objects.filter((o) => o.kind === "Namespace")) {
    if (n.metadata?.labels?.["pod-security.kubernetes.io/enforce"] !== "restricted")
      say(n, "Pod Security Admission does not enforce `restricted`");
  }
  return problems;
}

// ---- main -----------------------------------------------------------------

export function validateObjects(objects, external = []) {
  const problems = [];
  for (const o of objects) {
    const name = `${o?.kind}/${o?.metadata?.name}`;
    for (const e of schemaErrors(o)) problems.push(`${name}: ${e}`);
    for (const e of unknownFields(o)) problems.push(`${name}: ${e}`);
  }
  problems.push(...ruleProblems(objects, external));
  return problems;
}

export function loadManifests(text) {
  return loadAll(text).filter((d) => d !== null && d !== undefined);
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const external = [];
  const files = [];
  const args = process.argv.slice(2);
  for (let i = 0; i < args.length; i++) {
    if (args[i] === "--external") external.push(args[++i]);
    else files.push(args[i]);
  }
  if (files.length === 0) {
    console.error("usage: node validate.mjs [--external Kind/name ...] rendered.yaml ...");
    process.exit(2);
  }
  let bad = 0;
  for (const f of files) {
    const objects = loadManifests(fs.readFileSync(f, "utf8"));
    const problems = validateObjects(objects, external);
    for (const p of problems) console.log(`${f}: ${p}`);
    bad += problems.length;
    const kinds = {};
    for (const o of objects) kinds[o.kind] = (kinds[o.kind] ?? 0) + 1;
    console.log(
      `${f}: ${objects.length} objects (${Object.entries(kinds)
        .map(([k, n]) => `${n} ${k}`)
        .join(", ")}), ${problems.length} problem(s)`,
    );
  }
  process.exit(bad === 0 ? 0 : 1);
}
