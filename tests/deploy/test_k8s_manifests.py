"""Properties of the Kubernetes manifests under deploy/k8s (and of the Dockerfile).

The manifests are rendered without any binary: a small kustomize subset below
(resources, namespace, images, replicas, strategic-merge patches, ConfigMap and
Secret generators with literals) builds base, dev and production, and refuses
any kustomization feature it does not implement, so nothing is silently
skipped. When `kustomize` or `kubectl` is installed, one more test renders the
overlays with it and requires the same output, which keeps the subset honest.

Each property is a `check_*` function returning a list of problems; the tests
require an empty list, and the mutation tests at the end break a rendered
overlay on purpose and require each check to notice.
"""

from __future__ import annotations

import base64
import copy
import functools
import json
import re
import shutil
import subprocess
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
K8S = ROOT / "deploy" / "k8s"
NAMESPACE = "sdg-centre"
OVERLAYS = ("base", "dev", "production")
OVERLAY_DIRS = {
    "base": K8S / "base",
    "dev": K8S / "overlays" / "dev",
    "production": K8S / "overlays" / "production",
}
SECRETS_EXAMPLE = K8S / "overlays" / "production" / "secrets-example"

# The fixed facts about the four apps.
APPS: dict[str, dict[str, Any]] = {
    "gateway": {"port": 8000, "factory": "gateway.main:create_app", "prefix": "GATEWAY"},
    "projects": {
        "port": 8001,
        "factory": "services.projects.main:create_app",
        "prefix": "PROJECTS",
    },
    "funding": {
        "port": 8002,
        "factory": "services.funding.main:create_app",
        "prefix": "FUNDING",
    },
    "evaluation": {
        "port": 8003,
        "factory": "services.evaluation.main:create_app",
        "prefix": "EVALUATION",
    },
}
SERVICES = ("projects", "funding", "evaluation")
# Who calls each service inside the cluster (the gateway calls all three;
# funding checks projects; evaluation checks projects and funding).
EXPECTED_CALLERS = {
    "projects": {"gateway", "funding", "evaluation"},
    "funding": {"gateway", "evaluation"},
    "evaluation": {"gateway"},
}
APP_UID = 10001
CLUSTER_SCOPED = {"Namespace", "ClusterRole", "ClusterRoleBinding", "CustomResourceDefinition"}
POD_OWNERS = {"Deployment", "StatefulSet", "DaemonSet", "Job"}
CNPG_SECRET_KEYS = {"username", "user", "password", "host", "port", "dbname", "uri"}


# ---------------------------------------------------------------------------
# loading and rendering
# ---------------------------------------------------------------------------


class UnsupportedKustomization(Exception):
    """The manifests use a kustomize feature that the renderer here lacks."""


def load_docs(path: Path) -> list[dict[str, Any]]:
    with path.open(encoding="utf-8") as fh:
        docs = [doc for doc in yaml.safe_load_all(fh) if doc is not None]
    for doc in docs:
        if not isinstance(doc, dict):
            raise AssertionError(f"{path}: a document is not a mapping: {doc!r}")
    return docs


def all_yaml_files() -> list[Path]:
    return sorted([*K8S.rglob("*.yaml"), *K8S.rglob("*.yml")])


def kustomization_files() -> list[Path]:
    return sorted(K8S.rglob("kustomization.yaml"))


# Lists that strategic merge patches merge by key instead of replacing.
MERGE_KEYS = {
    "containers": "name",
    "initContainers": "name",
    "env": "name",
    "volumes": "name",
    "volumeMounts": "mountPath",
}


def strategic_merge(base: Any, patch: Any) -> Any:
    if not (isinstance(base, dict) and isinstance(patch, dict)):
        return copy.deepcopy(patch)
    result = copy.deepcopy(base)
    for key, value in patch.items():
        if key.startswith("$"):
            raise UnsupportedKustomization(f"patch directive {key} inside a resource")
        if value is None:
            result.pop(key, None)
        elif isinstance(value, dict) and isinstance(result.get(key), dict):
            result[key] = strategic_merge(result[key], value)
        elif key in MERGE_KEYS and isinstance(value, list) and isinstance(result.get(key), list):
            merge_key = MERGE_KEYS[key]
            patched = {item[merge_key]: item for item in value}
            existing = {item[merge_key] for item in result[key]}
            added = [copy.deepcopy(item) for item in value if item[merge_key] not in existing]
            merged = [
                strategic_merge(item, patched[item[merge_key]])
                if item[merge_key] in patched
                else item
                for item in result[key]
            ]
            result[key] = added + merged
        else:
            result[key] = copy.deepcopy(value)
    return result


def find_one(docs: list[dict], kind: str, name: str, where: str) -> dict:
    found = [d for d in docs if d["kind"] == kind and d["metadata"]["name"] == name]
    if len(found) != 1:
        raise AssertionError(f"{where}: expected one {kind}/{name}, found {len(found)}")
    return found[0]


def split_image(image: str) -> tuple[str, str | None]:
    name, sep, tag = image.rpartition(":")
    if sep and "/" not in tag:
        return name, tag
    return image, None


def pod_spec(doc: dict) -> dict | None:
    if doc["kind"] in POD_OWNERS:
        return doc["spec"]["template"]["spec"]
    return None


def containers_of(doc: dict, *, init: bool = True) -> list[dict]:
    spec = pod_spec(doc)
    if spec is None:
        return []
    return [*(spec.get("initContainers") or [] if init else []), *spec["containers"]]


KUSTOMIZATION_KEYS = {
    "apiVersion",
    "kind",
    "namespace",
    "resources",
    "images",
    "replicas",
    "patches",
    "configMapGenerator",
    "secretGenerator",
    "generatorOptions",
}


def _generate(kustomization: dict, docs: list[dict], where: str) -> None:
    defaults = kustomization.get("generatorOptions") or {}
    if set(defaults) - {"disableNameSuffixHash"}:
        raise UnsupportedKustomization(f"{where}: generatorOptions {sorted(defaults)}")
    for kind, field in (("ConfigMap", "configMapGenerator"), ("Secret", "secretGenerator")):
        for gen in kustomization.get(field) or []:
            if set(gen) - {"name", "literals", "behavior", "options"}:
                raise UnsupportedKustomization(f"{where}: {field} keys {sorted(gen)}")
            data = dict(lit.split("=", 1) for lit in gen.get("literals") or [])
            if kind == "Secret":
                data = {k: base64.b64encode(v.encode()).decode() for k, v in data.items()}
            behavior = gen.get("behavior", "create")
            if behavior == "create":
                if any(d["kind"] == kind and d["metadata"]["name"] == gen["name"] for d in docs):
                    raise AssertionError(f"{where}: {kind}/{gen['name']} generated twice")
                doc = {"apiVersion": "v1", "kind": kind, "metadata": {"name": gen["name"]}}
                if data:
                    doc["data"] = data
                if kind == "Secret":
                    doc["type"] = "Opaque"
                docs.append(doc)
            elif behavior in ("merge", "replace"):
                target = find_one(docs, kind, gen["name"], where)
                if behavior == "merge":
                    target.setdefault("data", {}).update(data)
                else:
                    target["data"] = data
            else:
                raise UnsupportedKustomization(f"{where}: generator behavior {behavior}")


def _patch(kustomization: dict, kdir: Path, docs: list[dict], where: str) -> list[dict]:
    for entry in kustomization.get("patches") or []:
        if set(entry) - {"path", "patch"} or len(entry) != 1:
            raise UnsupportedKustomization(f"{where}: patch entry {sorted(entry)}")
        if "path" in entry:
            patches = load_docs(kdir / entry["path"])
        else:
            patches = [p for p in yaml.safe_load_all(entry["patch"]) if p is not None]
        for patch in patches:
            patch = dict(patch)
            directive = patch.pop("$patch", None)
            target = find_one(docs, patch["kind"], patch["metadata"]["name"], where)
            if directive == "delete":
                docs = [d for d in docs if d is not target]
            elif directive is None:
                docs = [strategic_merge(d, patch) if d is target else d for d in docs]
            else:
                raise UnsupportedKustomization(f"{where}: $patch: {directive}")
    return docs


def _transform(kustomization: dict, docs: list[dict], where: str) -> None:
    namespace = kustomization.get("namespace")
    if namespace:
        for doc in docs:
            if doc["kind"] not in CLUSTER_SCOPED:
                doc["metadata"]["namespace"] = namespace
    for image in kustomization.get("images") or []:
        if set(image) - {"name", "newName", "newTag"}:
            raise UnsupportedKustomization(f"{where}: images entry {sorted(image)}")
        for doc in docs:
            for container in containers_of(doc):
                name, tag = split_image(container["image"])
                if name == image["name"]:
                    name = image.get("newName", name)
                    tag = str(image["newTag"]) if "newTag" in image else tag
                    container["image"] = f"{name}:{tag}" if tag else name
    for entry in kustomization.get("replicas") or []:
        targets = [
            d
            for d in docs
            if d["kind"] in ("Deployment", "StatefulSet") and d["metadata"]["name"] == entry["name"]
        ]
        if not targets:
            raise AssertionError(f"{where}: replicas for unknown workload {entry['name']}")
        for doc in targets:
            doc["spec"]["replicas"] = entry["count"]


@functools.cache
def _render(kdir: Path) -> tuple[dict, ...]:
    where = str(kdir.relative_to(ROOT))
    kfile = kdir / "kustomization.yaml"
    (kustomization,) = load_docs(kfile)
    unknown = set(kustomization) - KUSTOMIZATION_KEYS
    if unknown:
        raise UnsupportedKustomization(f"{where}: unsupported fields {sorted(unknown)}")
    docs: list[dict] = []
    for entry in kustomization.get("resources") or []:
        path = (kdir / entry).resolve()
        if path.is_dir():
            docs.extend(copy.deepcopy(list(_render(path))))
        else:
            docs.extend(load_docs(path))
    _generate(kustomization, docs, where)
    docs = _patch(kustomization, kdir, docs, where)
    _transform(kustomization, docs, where)
    return tuple(docs)


def render(overlay: str | Path) -> list[dict]:
    kdir = OVERLAY_DIRS[overlay] if isinstance(overlay, str) else overlay
    return copy.deepcopy(list(_render(kdir.resolve())))


# ---------------------------------------------------------------------------
# helpers over rendered documents
# ---------------------------------------------------------------------------


def of_kind(docs: list[dict], kind: str) -> list[dict]:
    return [d for d in docs if d["kind"] == kind]


def named(docs: list[dict], kind: str, name: str) -> dict | None:
    found = [d for d in of_kind(docs, kind) if d["metadata"]["name"] == name]
    return found[0] if len(found) == 1 else None


def app_container(deployment: dict) -> dict | None:
    name = deployment["metadata"]["name"]
    found = [c for c in containers_of(deployment, init=False) if c["name"] == name]
    return found[0] if len(found) == 1 else None


def selects(selector: dict | None, labels: dict[str, str]) -> bool:
    if selector is None:
        return False
    for key, value in (selector.get("matchLabels") or {}).items():
        if labels.get(key) != value:
            return False
    for expr in selector.get("matchExpressions") or []:
        key, op, values = expr["key"], expr["operator"], expr.get("values") or []
        if op == "In" and labels.get(key) not in values:
            return False
        if op == "NotIn" and labels.get(key) in values:
            return False
        if op == "Exists" and key not in labels:
            return False
        if op == "DoesNotExist" and key in labels:
            return False
    return True


def selects_service(service: dict, labels: dict[str, str]) -> bool:
    selector = service["spec"].get("selector")
    return bool(selector) and selects({"matchLabels": selector}, labels)


def resolve_port(container: dict, port: int | str) -> int | None:
    if isinstance(port, int):
        return port
    for declared in container.get("ports") or []:
        if declared.get("name") == port:
            return declared["containerPort"]
    return None


def env_map(container: dict) -> dict[str, dict]:
    return {e["name"]: e for e in container.get("env") or []}


def pods(docs: list[dict]) -> dict[str, dict[str, str]]:
    """Every pod the render creates, by workload name, with its labels.

    CloudNativePG instance pods are synthesised from each Cluster: the
    operator labels them cnpg.io/cluster=<name> plus spec.inheritedMetadata.
    """
    result = {}
    for doc in docs:
        if doc["kind"] in POD_OWNERS:
            result[doc["metadata"]["name"]] = dict(doc["spec"]["template"]["metadata"]["labels"])
        elif doc["kind"] == "Cluster":
            inherited = (doc["spec"].get("inheritedMetadata") or {}).get("labels") or {}
            result[doc["metadata"]["name"]] = {
                **inherited,
                "cnpg.io/cluster": doc["metadata"]["name"],
            }
    return result


def _port_allowed(rule: dict, port: int) -> bool:
    ports = rule.get("ports")
    if not ports:
        return True
    # a named port is conservatively taken to match
    return any(not isinstance(p.get("port"), int) or p["port"] == port for p in ports)


def _peers(
    docs: list[dict],
    rules_key: str,
    peer_key: str,
    policy_type: str,
    labels: dict[str, str],
    port: int,
) -> set[str]:
    """Who a pod with `labels` may talk with on `port`, per the NetworkPolicies.

    Members: names of pods of this namespace; "ns:<name>" for another namespace
    picked by name; "*" for anything broader (no isolation, no peer list, an
    ipBlock or a namespace selector that is not a single name).
    """
    universe = pods(docs)
    policies = [
        p
        for p in of_kind(docs, "NetworkPolicy")
        if policy_type in p["spec"].get("policyTypes", ["Ingress"])
        and selects(p["spec"]["podSelector"], labels)
    ]
    if not policies:
        return {"*"}
    found: set[str] = set()
    for policy in policies:
        for rule in policy["spec"].get(rules_key) or []:
            if not _port_allowed(rule, port):
                continue
            peers = rule.get(peer_key)
            if not peers:
                found.add("*")
                continue
            for peer in peers:
                if "ipBlock" in peer:
                    found.add("*")
                    continue
                ns_selector = peer.get("namespaceSelector")
                pod_selector = peer.get("podSelector", {})
                ns_name = None
                if ns_selector is not None:
                    match = ns_selector.get("matchLabels") or {}
                    if ns_selector.get("matchExpressions") or set(match) != {
                        "kubernetes.io/metadata.name"
                    }:
                        found.add("*")
                        continue
                    ns_name = match["kubernetes.io/metadata.name"]
                if ns_name not in (None, NAMESPACE):
                    found.add(f"ns:{ns_name}")
                    continue
                found.update(n for n, lbl in universe.items() if selects(pod_selector, lbl))
    return found


def ingress_sources(docs: list[dict], labels: dict[str, str], port: int) -> set[str]:
    return _peers(docs, "ingress", "from", "Ingress", labels, port)


def egress_destinations(docs: list[dict], labels: dict[str, str], port: int) -> set[str]:
    return _peers(docs, "egress", "to", "Egress", labels, port)


def config_urls(docs: list[dict]) -> dict[tuple[str, str], tuple[str, int]]:
    """(app, variable) -> (host, port) for every http URL in the apps' ConfigMaps."""
    urls = {}
    for app in APPS:
        cm = named(docs, "ConfigMap", f"{app}-config")
        for key, value in ((cm or {}).get("data") or {}).items():
            m = re.fullmatch(r"https?://([a-z0-9-]+)(?::(\d+))?/?", str(value))
            if m and key.endswith("_URL"):
                urls[(app, key)] = (m.group(1), int(m.group(2) or 80))
    return urls


def secret_refs(docs: list[dict]) -> Iterator[tuple[dict, str, str | None, bool]]:
    """(owner, secret name, key or None for the whole secret, optional)."""
    for doc in docs:
        for container in containers_of(doc):
            for env in container.get("env") or []:
                ref = (env.get("valueFrom") or {}).get("secretKeyRef")
                if ref:
                    yield doc, ref["name"], ref["key"], bool(ref.get("optional"))
            for source in container.get("envFrom") or []:
                if "secretRef" in source:
                    ref = source["secretRef"]
                    yield doc, ref["name"], None, bool(ref.get("optional"))
        for volume in (pod_spec(doc) or {}).get("volumes") or []:
            if "secret" in volume:
                ref = volume["secret"]
                yield doc, ref["secretName"], None, bool(ref.get("optional"))
        if doc["kind"] == "Ingress":
            for tls in doc["spec"].get("tls") or []:
                yield doc, tls["secretName"], None, False


def configmap_refs(docs: list[dict]) -> Iterator[tuple[dict, str, str | None, bool]]:
    for doc in docs:
        for container in containers_of(doc):
            for env in container.get("env") or []:
                ref = (env.get("valueFrom") or {}).get("configMapKeyRef")
                if ref:
                    yield doc, ref["name"], ref["key"], bool(ref.get("optional"))
            for source in container.get("envFrom") or []:
                if "configMapRef" in source:
                    ref = source["configMapRef"]
                    yield doc, ref["name"], None, bool(ref.get("optional"))
        for volume in (pod_spec(doc) or {}).get("volumes") or []:
            if "configMap" in volume:
                ref = volume["configMap"]
                yield doc, ref["name"], None, bool(ref.get("optional"))


CPU = re.compile(r"^(\d+(?:\.\d+)?)(m?)$")
MEMORY = re.compile(r"^(\d+)(Ki|Mi|Gi)?$")


def cpu_cores(value: Any) -> float:
    m = CPU.match(str(value))
    if not m:
        raise ValueError(f"not a CPU quantity: {value!r}")
    return float(m.group(1)) / (1000 if m.group(2) else 1)


def memory_bytes(value: Any) -> int:
    m = MEMORY.match(str(value))
    if not m:
        raise ValueError(f"not a memory quantity: {value!r}")
    return int(m.group(1)) * {None: 1, "Ki": 2**10, "Mi": 2**20, "Gi": 2**30}[m.group(2)]


# ---------------------------------------------------------------------------
# checks: each returns the list of problems found
# ---------------------------------------------------------------------------


def check_namespace(docs: list[dict]) -> list[str]:
    problems = []
    ns = named(docs, "Namespace", NAMESPACE)
    if ns is None:
        problems.append(f"no Namespace {NAMESPACE}")
    elif ns["metadata"].get("labels", {}).get("pod-security.kubernetes.io/enforce") != (
        "restricted"
    ):
        problems.append("namespace does not enforce the restricted Pod Security Standard")
    for doc in docs:
        if doc["kind"] not in CLUSTER_SCOPED and doc["metadata"].get("namespace") != NAMESPACE:
            problems.append(f"{doc['kind']}/{doc['metadata']['name']} is not in {NAMESPACE}")
    seen = set()
    for doc in docs:
        key = (doc["kind"], doc["metadata"].get("namespace"), doc["metadata"]["name"])
        if key in seen:
            problems.append(f"duplicate {key}")
        seen.add(key)
    return problems


def check_app_workloads(docs: list[dict]) -> list[str]:
    """Each app: Deployment, uvicorn command on its own factory and port, probes."""
    problems = []
    for app, facts in APPS.items():
        dep = named(docs, "Deployment", app)
        if dep is None:
            problems.append(f"no Deployment {app}")
            continue
        labels = dep["spec"]["template"]["metadata"]["labels"]
        if not selects(dep["spec"]["selector"], labels):
            problems.append(f"{app}: selector does not match its pod template")
        container = app_container(dep)
        if container is None:
            problems.append(f"{app}: no container named {app}")
            continue
        expected = [
            "uvicorn",
            "--factory",
            facts["factory"],
            "--host",
            "0.0.0.0",
            "--port",
            str(facts["port"]),
        ]
        command = [*(container.get("command") or []), *(container.get("args") or [])]
        if command != expected:
            problems.append(f"{app}: runs {command}, expected {expected}")
        declared = [p["containerPort"] for p in container.get("ports") or []]
        if declared != [facts["port"]]:
            problems.append(f"{app}: container ports {declared}, expected [{facts['port']}]")
        for probe, path in (("livenessProbe", "/health/live"), ("readinessProbe", "/health/ready")):
            get = (container.get(probe) or {}).get("httpGet")
            if not get:
                problems.append(f"{app}: no HTTP {probe}")
                continue
            if get.get("path") != path:
                problems.append(f"{app}: {probe} on {get.get('path')}, expected {path}")
            if resolve_port(container, get.get("port")) != facts["port"]:
                problems.append(f"{app}: {probe} port {get.get('port')} is not {facts['port']}")
        startup = (container.get("startupProbe") or {}).get("httpGet")
        if startup and startup.get("path") != "/health/live":
            problems.append(f"{app}: startupProbe should use /health/live")
        spec = pod_spec(dep)
        if spec.get("enableServiceLinks") is not False:
            problems.append(
                f"{app}: enableServiceLinks must be false (service env vars such as "
                f"{facts['prefix']}_PORT would collide with the settings prefix)"
            )
        annotations = dep["spec"]["template"]["metadata"].get("annotations") or {}
        wanted = {
            "prometheus.io/scrape": "true",
            "prometheus.io/port": str(facts["port"]),
            "prometheus.io/path": "/metrics",
        }
        for key, value in wanted.items():
            if annotations.get(key) != value:
                problems.append(f"{app}: annotation {key}={annotations.get(key)!r}")
    return problems


def check_migrations(docs: list[dict]) -> list[str]:
    """Each app migrates its own database in an init container before it starts."""
    problems = []
    for app, facts in APPS.items():
        dep = named(docs, "Deployment", app)
        if dep is None:
            continue
        main = app_container(dep) or {}
        inits = pod_spec(dep).get("initContainers") or []
        migrate = [
            c
            for c in inits
            if c.get("command") == ["python", "-m", "shared.migrations", "upgrade", app]
        ]
        if len(migrate) != 1:
            problems.append(f"{app}: expected one init container migrating {app}")
            continue
        (init,) = migrate
        if init.get("image") != main.get("image"):
            problems.append(f"{app}: migrations run image {init.get('image')}")
        url = f"{facts['prefix']}_DATABASE_URL"
        init_env, main_env = env_map(init), env_map(main)
        if url not in main_env:
            problems.append(f"{app}: no {url}")
            continue
        for name in [url, *re.findall(r"\$\((\w+)\)", main_env[url].get("value", ""))]:
            if init_env.get(name) != main_env.get(name):
                problems.append(f"{app}: migrations see a different {name}")
        if init.get("envFrom") != main.get("envFrom"):
            problems.append(f"{app}: migrations read a different configuration")
    return problems


def check_env_references(docs: list[dict]) -> list[str]:
    """$(VAR) in an env value is expanded only if VAR is defined earlier."""
    problems = []
    for doc in docs:
        for container in containers_of(doc):
            defined: set[str] = set()
            for env in container.get("env") or []:
                for ref in re.findall(r"\$\((\w+)\)", env.get("value") or ""):
                    if ref not in defined:
                        problems.append(
                            f"{doc['metadata']['name']}/{container['name']}: {env['name']} "
                            f"uses $({ref}) before it is defined"
                        )
                defined.add(env["name"])
            for arg in [*(container.get("command") or []), *(container.get("args") or [])]:
                for ref in re.findall(r"\$\((\w+)\)", arg):
                    if ref not in defined:
                        problems.append(f"{doc['metadata']['name']}: $({ref}) is undefined")
    return problems


def check_security(docs: list[dict]) -> list[str]:
    """Every pod the manifests define meets the restricted Pod Security Standard."""
    problems = []
    for doc in docs:
        spec = pod_spec(doc)
        if spec is None:
            continue
        name = doc["metadata"]["name"]
        pod_ctx = spec.get("securityContext") or {}
        if spec.get("hostNetwork") or spec.get("hostPID") or spec.get("hostIPC"):
            problems.append(f"{name}: uses host namespaces")
        if any("hostPath" in v for v in spec.get("volumes") or []):
            problems.append(f"{name}: mounts a hostPath")
        if spec.get("automountServiceAccountToken") is not False:
            problems.append(f"{name}: mounts a service account token")
        for container in containers_of(doc):
            ctx = {**pod_ctx, **(container.get("securityContext") or {})}
            where = f"{name}/{container['name']}"
            if ctx.get("runAsNonRoot") is not True:
                problems.append(f"{where}: runAsNonRoot is not true")
            if ctx.get("runAsUser", 1) == 0:
                problems.append(f"{where}: runs as UID 0")
            if (ctx.get("seccompProfile") or {}).get("type") != "RuntimeDefault":
                problems.append(f"{where}: no RuntimeDefault seccomp profile")
            own = container.get("securityContext") or {}
            if own.get("allowPrivilegeEscalation") is not False:
                problems.append(f"{where}: allowPrivilegeEscalation is not false")
            if own.get("readOnlyRootFilesystem") is not True:
                problems.append(f"{where}: root filesystem is writable")
            if own.get("privileged"):
                problems.append(f"{where}: privileged")
            caps = own.get("capabilities") or {}
            if "ALL" not in (caps.get("drop") or []) or caps.get("add"):
                problems.append(f"{where}: does not drop ALL capabilities")
    for app in APPS:
        dep = named(docs, "Deployment", app)
        if dep is None:
            continue
        spec = pod_spec(dep)
        if (spec.get("securityContext") or {}).get("runAsUser") != APP_UID:
            problems.append(f"{app}: pods do not run as the image's UID {APP_UID}")
        empty_dirs = {v["name"] for v in spec.get("volumes") or [] if "emptyDir" in v}
        for container in containers_of(dep):
            mounts = {m["mountPath"]: m["name"] for m in container.get("volumeMounts") or []}
            if mounts.get("/tmp") not in empty_dirs:
                problems.append(f"{app}/{container['name']}: /tmp is not an emptyDir")
    return problems


def check_resources(docs: list[dict]) -> list[str]:
    problems = []
    for doc in docs:
        for container in containers_of(doc):
            where = f"{doc['metadata']['name']}/{container['name']}"
            res = container.get("resources") or {}
            for kind, parse in (("cpu", cpu_cores), ("memory", memory_bytes)):
                request = (res.get("requests") or {}).get(kind)
                limit = (res.get("limits") or {}).get(kind)
                if request is None or limit is None:
                    problems.append(f"{where}: no {kind} request and limit")
                elif parse(request) > parse(limit):
                    problems.append(f"{where}: {kind} request above its limit")
    return problems


def check_services(docs: list[dict]) -> list[str]:
    """Each app has a ClusterIP Service on its port reaching exactly its pods."""
    problems = []
    universe = pods(docs)
    for svc in of_kind(docs, "Service"):
        if svc["spec"].get("type", "ClusterIP") != "ClusterIP":
            problems.append(f"Service {svc['metadata']['name']} is exposed outside the cluster")
    for app, facts in APPS.items():
        svc, dep = named(docs, "Service", app), named(docs, "Deployment", app)
        if svc is None or dep is None:
            problems.append(f"{app}: no Service or Deployment")
            continue
        backing = {n for n, lbl in universe.items() if selects_service(svc, lbl)}
        if backing != {app}:
            problems.append(f"Service {app} selects {sorted(backing)}")
        ports = svc["spec"]["ports"]
        if [p["port"] for p in ports] != [facts["port"]]:
            problems.append(f"Service {app} ports {[p['port'] for p in ports]}")
        target = ports[0].get("targetPort", ports[0]["port"])
        if resolve_port(app_container(dep) or {}, target) != facts["port"]:
            problems.append(f"Service {app} targets {target}, not the app's port")
    return problems


def check_config_urls(docs: list[dict]) -> list[str]:
    """Every backend URL in the configuration names a Service and its port."""
    problems = []
    urls = config_urls(docs)
    wanted = {("gateway", f"GATEWAY_{s.upper()}_URL"): s for s in SERVICES}
    wanted[("funding", "FUNDING_PROJECTS_URL")] = "projects"
    wanted[("evaluation", "EVALUATION_PROJECTS_URL")] = "projects"
    wanted[("evaluation", "EVALUATION_FUNDING_URL")] = "funding"
    for (app, var), service in wanted.items():
        if urls.get((app, var)) != (service, APPS[service]["port"]):
            problems.append(f"{app}: {var} is {urls.get((app, var))}, expected {service}")
    for (app, var), (host, port) in urls.items():
        svc = named(docs, "Service", host)
        if svc is None or port not in [p["port"] for p in svc["spec"]["ports"]]:
            problems.append(f"{app}: {var} points at {host}:{port}, which is no Service")
    return problems


def check_app_network_policies(docs: list[dict]) -> list[str]:
    """Services admit the gateway and their declared callers only; DBs their owner."""
    problems = []
    universe = pods(docs)
    derived: dict[str, set[str]] = {s: {"gateway"} for s in SERVICES}
    for (app, _var), (host, _port) in config_urls(docs).items():
        if host in derived:
            derived[host].add(app)
    if not of_kind(docs, "NetworkPolicy"):
        return ["no NetworkPolicy at all"]
    default_deny = [
        p
        for p in of_kind(docs, "NetworkPolicy")
        if p["spec"]["podSelector"] == {}
        and "Ingress" in p["spec"].get("policyTypes", [])
        and not p["spec"].get("ingress")
    ]
    if not default_deny:
        problems.append("no default-deny ingress policy for the namespace")
    for service in SERVICES:
        port = APPS[service]["port"]
        sources = ingress_sources(docs, universe[service], port)
        in_namespace = {s for s in sources if s in universe}
        outside = sources - in_namespace
        if in_namespace != EXPECTED_CALLERS[service]:
            problems.append(f"{service} admits {sorted(in_namespace)}")
        if in_namespace != derived[service]:
            problems.append(
                f"{service}: admitted {sorted(in_namespace)} but the configuration "
                f"says its callers are {sorted(derived[service])}"
            )
        if outside - {"ns:monitoring"}:
            problems.append(f"{service} admits {sorted(outside)}")
    for app in APPS:
        app_labels = universe.get(app)
        if app_labels is None:
            continue
        db_pods = {n for n, lbl in universe.items() if lbl.get(f"sdg-centre/db-{app}") == "true"}
        if not db_pods and of_kind(docs, "StatefulSet") + of_kind(docs, "Cluster"):
            problems.append(f"{app}: no pod is labelled as its database")
        for db in db_pods:
            sources = ingress_sources(docs, universe[db], 5432)
            apps_in = sources & set(APPS)
            shared = len([k for k in universe[db] if k.startswith("sdg-centre/db-")]) > 1
            if not shared and apps_in != {app}:
                problems.append(f"database {db} of {app} admits {sorted(apps_in)}")
            if app not in apps_in:
                problems.append(f"database {db} does not admit {app}")
            others = {s for s in sources if s in universe} - set(APPS)
            if others - {db}:
                problems.append(f"database {db} admits {sorted(others - {db})}")
            if "*" in sources:
                problems.append(f"database {db} admits anyone")
        reachable_dbs = {
            n
            for n in egress_destinations(docs, app_labels, 5432)
            if n in universe and any(k.startswith("sdg-centre/db-") for k in universe[n])
        }
        if reachable_dbs != db_pods:
            problems.append(f"{app} may connect to databases {sorted(reachable_dbs)}")
        for service in SERVICES:
            may = service in egress_destinations(docs, app_labels, APPS[service]["port"])
            if may != (app in derived[service] and app != service):
                problems.append(f"{app} egress to {service}: {may}")
    return problems


def check_pdbs(docs: list[dict]) -> list[str]:
    problems = []
    for app in APPS:
        dep = named(docs, "Deployment", app)
        if dep is None:
            continue
        labels = dep["spec"]["template"]["metadata"]["labels"]
        budgets = [
            p
            for p in of_kind(docs, "PodDisruptionBudget")
            if selects(p["spec"]["selector"], labels)
        ]
        if len(budgets) != 1:
            problems.append(f"{app}: {len(budgets)} PodDisruptionBudgets")
            continue
        spec, replicas = budgets[0]["spec"], dep["spec"].get("replicas", 1)
        if "maxUnavailable" in spec:
            allowed = int(spec["maxUnavailable"])
        else:
            allowed = replicas - int(spec.get("minAvailable", 0))
        if allowed < 1:
            problems.append(f"{app}: the budget blocks every voluntary eviction (drains hang)")
        if replicas > 1 and replicas - allowed < 1:
            problems.append(f"{app}: the budget lets every replica go at once")
    return problems


def check_hpas(docs: list[dict]) -> list[str]:
    problems = []
    hpas = of_kind(docs, "HorizontalPodAutoscaler")
    for hpa in hpas:
        ref = hpa["spec"]["scaleTargetRef"]
        target = named(docs, ref["kind"], ref["name"])
        if target is None:
            problems.append(f"HPA {hpa['metadata']['name']} scales a missing {ref['name']}")
            continue
        low, high = hpa["spec"].get("minReplicas", 1), hpa["spec"]["maxReplicas"]
        if not 1 <= low <= high:
            problems.append(f"HPA {hpa['metadata']['name']}: min {low}, max {high}")
        if target["spec"].get("replicas", 1) < low:
            problems.append(f"{ref['name']}: replicas below its HPA's minimum")
        if not hpa["spec"].get("metrics"):
            problems.append(f"HPA {hpa['metadata']['name']} has no metric")
    return problems


def check_no_literal_credentials(docs: list[dict]) -> list[str]:
    """No credential is written into a workload: secrets are referenced."""
    problems = []
    sensitive = re.compile(r"SECRET|PASSWORD|PASSWD|TOKEN|_KEY$|CREDENTIAL")
    for doc in docs:
        for container in containers_of(doc):
            where = f"{doc['metadata']['name']}/{container['name']}"
            for env in container.get("env") or []:
                value = env.get("value")
                if value is None:
                    continue
                if sensitive.search(env["name"]):
                    problems.append(f"{where}: {env['name']} is a literal")
                m = re.search(r"://([^/@]*)@", value)
                if m and not re.fullmatch(r"(\$\(\w+\))?(:\$\(\w+\))?", m.group(1)):
                    problems.append(f"{where}: {env['name']} embeds credentials")
    for cm in of_kind(docs, "ConfigMap"):
        for key, value in (cm.get("data") or {}).items():
            if sensitive.search(key) or re.search(r"://[^/@\s]+@", str(value)):
                problems.append(f"ConfigMap {cm['metadata']['name']}: {key} looks secret")
    return problems


def check_references_resolve(docs: list[dict], *, external: set[str]) -> list[str]:
    """Every ConfigMap/Secret a workload needs exists (or is provided outside)."""
    problems = []
    for kind, refs in (("Secret", secret_refs(docs)), ("ConfigMap", configmap_refs(docs))):
        for owner, name, key, optional in refs:
            target = named(docs, kind, name)
            if target is None:
                if not optional and (kind, name) not in {("Secret", e) for e in external}:
                    problems.append(f"{owner['metadata']['name']} needs missing {kind} {name}")
                continue
            data = {**(target.get("data") or {}), **(target.get("stringData") or {})}
            if key is not None and key not in data and not optional:
                problems.append(f"{owner['metadata']['name']} needs key {key} of {name}")
    return problems


def check_production(docs: list[dict]) -> list[str]:
    problems = []
    for app in APPS:
        dep = named(docs, "Deployment", app)
        if dep is None or dep["spec"].get("replicas", 1) < 2:
            problems.append(f"{app}: fewer than 2 replicas")
        hpa = named(docs, "HorizontalPodAutoscaler", app)
        if hpa is None or hpa["spec"].get("minReplicas", 1) < 2:
            problems.append(f"{app}: no HPA keeping at least 2 replicas")
        for container in containers_of(dep or {"kind": "-"}):
            if container["image"].endswith(":latest") or ":" not in container["image"]:
                problems.append(f"{app}: image {container['image']} is not pinned")
    clusters = {c["metadata"]["name"]: c for c in of_kind(docs, "Cluster")}
    for cluster in clusters.values():
        if cluster["apiVersion"] != "postgresql.cnpg.io/v1":
            problems.append(f"Cluster {cluster['metadata']['name']}: {cluster['apiVersion']}")
    for app in APPS:
        cluster = clusters.get(f"{app}-db")
        if cluster is None:
            problems.append(f"no CloudNativePG Cluster {app}-db")
            continue
        if cluster["spec"].get("instances", 1) < 3:
            problems.append(f"{app}-db has fewer than 3 instances")
        initdb = cluster["spec"].get("bootstrap", {}).get("initdb", {})
        if (initdb.get("database"), initdb.get("owner")) != (app, app):
            problems.append(f"{app}-db does not create database and owner {app}")
        container = app_container(named(docs, "Deployment", app)) or {}
        env = env_map(container)
        url = env.get(f"{APPS[app]['prefix']}_DATABASE_URL", {}).get("value", "")
        db_secrets = {
            env[var]["valueFrom"]["secretKeyRef"]["name"]
            for var in re.findall(r"\$\((\w+)\)", url)
            if "secretKeyRef" in (env.get(var, {}).get("valueFrom") or {})
        }
        if db_secrets != {f"{app}-db-app"}:
            problems.append(f"{app} reads its database from {sorted(db_secrets)}")
    service_clusters = [c for c in clusters if c.removesuffix("-db") in SERVICES]
    if len(service_clusters) != 3:
        problems.append(f"{len(service_clusters)} Clusters for the three service databases")
    if of_kind(docs, "Secret"):
        problems.append("the production overlay contains Secrets; reference them instead")
    return problems


# shared/settings.py defaults, used when the configuration does not set them
DEFAULT_DB_POOL_SIZE, DEFAULT_DB_MAX_OVERFLOW = 10, 20
HEADROOM_CONNECTIONS = 10  # superuser_reserved_connections, replication, psql


def check_connection_budget(docs: list[dict]) -> list[str]:
    """At full scale-out (HPA max plus one surge pod) the pools fit the database."""
    problems = []
    for app, facts in APPS.items():
        cluster = named(docs, "Cluster", f"{app}-db")
        if cluster is None:
            continue
        params = (cluster["spec"].get("postgresql") or {}).get("parameters") or {}
        max_connections = int(params.get("max_connections", 100))
        data = (named(docs, "ConfigMap", f"{app}-config") or {}).get("data") or {}
        pool = int(data.get(f"{facts['prefix']}_DB_POOL_SIZE", DEFAULT_DB_POOL_SIZE))
        overflow = int(data.get(f"{facts['prefix']}_DB_MAX_OVERFLOW", DEFAULT_DB_MAX_OVERFLOW))
        hpa = named(docs, "HorizontalPodAutoscaler", app)
        dep = named(docs, "Deployment", app) or {"spec": {}}
        pods_at_most = (hpa["spec"]["maxReplicas"] if hpa else dep["spec"].get("replicas", 1)) + 1
        needed = pods_at_most * (pool + overflow) + HEADROOM_CONNECTIONS
        if needed > max_connections:
            problems.append(
                f"{app}: {pods_at_most} pods x ({pool} + {overflow}) connections exceed "
                f"max_connections {max_connections} of {app}-db"
            )
    return problems


def check_ingress(docs: list[dict], *, expected: bool) -> list[str]:
    ingresses = of_kind(docs, "Ingress")
    if not expected:
        return [f"unexpected Ingress {i['metadata']['name']}" for i in ingresses]
    if len(ingresses) != 1:
        return [f"{len(ingresses)} Ingresses, expected one for the gateway"]
    spec, problems = ingresses[0]["spec"], []
    tls_hosts = {
        h for tls in spec.get("tls") or [] if tls.get("secretName") for h in tls.get("hosts") or []
    }
    if "defaultBackend" in spec:
        problems.append("the Ingress has a default backend")
    for rule in spec.get("rules") or []:
        if rule.get("host") not in tls_hosts:
            problems.append(f"host {rule.get('host')} is served without TLS")
        for path in rule["http"]["paths"]:
            backend = path["backend"]["service"]
            if (backend["name"], backend["port"].get("number")) != ("gateway", 8000):
                problems.append(f"Ingress path {path['path']} reaches {backend}")
            for internal in ("/metrics", "/health/live", "/health/ready"):
                prefix = path["path"].rstrip("/") + "/"
                if (
                    path["path"] == internal
                    or (path.get("pathType") == "Prefix" and internal.startswith(prefix))
                    or path["path"] == "/"
                ):
                    problems.append(f"Ingress path {path['path']} exposes {internal}")
    return problems


def check_redis(docs: list[dict]) -> list[str]:
    problems = []
    universe = pods(docs)
    gateway = app_container(named(docs, "Deployment", "gateway"))
    env = env_map(gateway).get("GATEWAY_REDIS_URL")
    if env is None:
        return ["the gateway has no GATEWAY_REDIS_URL"]
    m = re.fullmatch(r"rediss?://[^@]*@([a-z0-9-]+):(\d+)(/\d+)?", env.get("value", ""))
    if not m:
        return [f"GATEWAY_REDIS_URL {env.get('value')!r} is not a redis URL"]
    host, port = m.group(1), int(m.group(2))
    svc = named(docs, "Service", host)
    if svc is None or port not in [p["port"] for p in svc["spec"]["ports"]]:
        return [f"GATEWAY_REDIS_URL points at {host}:{port}, which is no Service"]
    backing = {n for n, lbl in universe.items() if selects_service(svc, lbl)}
    if not backing:
        problems.append(f"Service {host} selects no pod")
    for redis in backing:
        sources = ingress_sources(docs, universe[redis], port)
        if sources != {"gateway"}:
            problems.append(f"redis admits {sorted(sources)}")
    if not backing & egress_destinations(docs, universe["gateway"], port):
        problems.append("the gateway's egress policy does not allow Redis")
    return problems


# ---------------------------------------------------------------------------
# tests: files and kustomizations
# ---------------------------------------------------------------------------


def test_manifest_tree_exists():
    assert (K8S / "base" / "kustomization.yaml").is_file()
    for overlay in ("dev", "production"):
        assert (K8S / "overlays" / overlay / "kustomization.yaml").is_file()
    assert (ROOT / "deploy" / "README.md").is_file()


@pytest.mark.parametrize("path", all_yaml_files(), ids=lambda p: str(p.relative_to(K8S)))
def test_every_yaml_file_parses_into_kubernetes_objects(path):
    docs = load_docs(path)
    assert docs, f"{path} is empty"
    for doc in docs:
        assert doc.get("apiVersion"), f"{path}: a document has no apiVersion"
        assert doc.get("kind"), f"{path}: a document has no kind"
        if doc["kind"] != "Kustomization":
            assert doc.get("metadata", {}).get("name"), f"{path}: a {doc['kind']} has no name"


@pytest.mark.parametrize(
    "kfile", kustomization_files(), ids=lambda p: str(p.parent.relative_to(K8S))
)
def test_kustomization_lists_only_files_that_exist(kfile):
    (kustomization,) = load_docs(kfile)
    assert kustomization["kind"] == "Kustomization"
    for entry in kustomization.get("resources") or []:
        target = kfile.parent / entry
        assert target.is_file() or (target / "kustomization.yaml").is_file(), entry
    for entry in kustomization.get("patches") or []:
        if "path" in entry:
            assert (kfile.parent / entry["path"]).is_file(), entry["path"]


def test_every_manifest_is_used_by_a_kustomization():
    used = set()
    for kfile in kustomization_files():
        used.add(kfile)
        (kustomization,) = load_docs(kfile)
        for entry in kustomization.get("resources") or []:
            used.add((kfile.parent / entry).resolve())
        for entry in kustomization.get("patches") or []:
            if "path" in entry:
                used.add((kfile.parent / entry["path"]).resolve())
    orphans = [p for p in all_yaml_files() if p.resolve() not in used and p not in used]
    assert orphans == [], f"manifests no kustomization applies: {orphans}"


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_overlay_renders(overlay):
    docs = render(overlay)
    assert docs
    assert check_namespace(docs) == []


# ---------------------------------------------------------------------------
# tests: properties of every rendering
# ---------------------------------------------------------------------------


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_apps_run_their_own_factory_with_health_probes(overlay):
    assert check_app_workloads(render(overlay)) == []


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_each_app_migrates_its_database_before_starting(overlay):
    assert check_migrations(render(overlay)) == []


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_env_references_are_defined_first(overlay):
    assert check_env_references(render(overlay)) == []


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_pods_run_non_root_with_read_only_root(overlay):
    assert check_security(render(overlay)) == []


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_every_container_has_requests_and_limits(overlay):
    assert check_resources(render(overlay)) == []


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_services_reach_their_app_on_its_port(overlay):
    assert check_services(render(overlay)) == []


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_backend_urls_point_at_services(overlay):
    assert check_config_urls(render(overlay)) == []


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_network_policies_isolate_services_and_databases(overlay):
    assert check_app_network_policies(render(overlay)) == []


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_every_app_has_a_disruption_budget_that_allows_drains(overlay):
    assert check_pdbs(render(overlay)) == []


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_no_literal_credentials_in_workloads(overlay):
    assert check_no_literal_credentials(render(overlay)) == []


def test_apps_default_to_production_mode():
    docs = render("base")
    for app, facts in APPS.items():
        data = named(docs, "ConfigMap", f"{app}-config")["data"]
        assert data[f"{facts['prefix']}_ENVIRONMENT"] == "production"


def test_base_autoscales_every_app_and_holds_no_secret():
    docs = render("base")
    assert check_hpas(docs) == []
    assert {
        h["spec"]["scaleTargetRef"]["name"] for h in of_kind(docs, "HorizontalPodAutoscaler")
    } == set(APPS)
    assert of_kind(docs, "Secret") == []
    assert check_ingress(docs, expected=False) == []


# ---------------------------------------------------------------------------
# tests: dev
# ---------------------------------------------------------------------------


def test_dev_runs_one_replica_of_each_app_on_one_postgres():
    docs = render("dev")
    for app, facts in APPS.items():
        assert named(docs, "Deployment", app)["spec"]["replicas"] == 1
        data = named(docs, "ConfigMap", f"{app}-config")["data"]
        assert data[f"{facts['prefix']}_ENVIRONMENT"] == "development"
    assert of_kind(docs, "HorizontalPodAutoscaler") == []
    assert of_kind(docs, "Cluster") == []
    (postgres,) = of_kind(docs, "StatefulSet")
    assert postgres["spec"]["replicas"] == 1
    assert check_ingress(docs, expected=False) == []


def test_dev_is_self_contained():
    docs = render("dev")
    assert check_references_resolve(docs, external=set()) == []
    for app in APPS:
        secret = named(docs, "Secret", f"{app}-db-app")
        data = {k: base64.b64decode(v).decode() for k, v in secret["data"].items()}
        assert data["host"] == "postgres"
        assert (data["username"], data["dbname"]) == (app, app)
    # long enough that switching an app to production mode does not refuse them
    for name, key in (
        ("sdgc-identity", "SDGC_IDENTITY_SECRET"),
        ("gateway-bootstrap", "GATEWAY_BOOTSTRAP_ADMIN_KEY"),
    ):
        assert len(base64.b64decode(named(docs, "Secret", name)["data"][key])) >= 32


# ---------------------------------------------------------------------------
# tests: production
# ---------------------------------------------------------------------------


def test_production_replicas_databases_and_secrets():
    assert check_production(render("production")) == []


def test_production_connection_pools_fit_the_databases():
    assert check_connection_budget(render("production")) == []


def test_production_autoscaling_keeps_two_replicas():
    docs = render("production")
    assert check_hpas(docs) == []
    assert {
        h["spec"]["scaleTargetRef"]["name"] for h in of_kind(docs, "HorizontalPodAutoscaler")
    } == set(APPS)


def test_production_ingress_is_tls_to_the_gateway_only():
    assert check_ingress(render("production"), expected=True) == []


def test_production_gateway_shares_rate_limits_through_redis():
    assert check_redis(render("production")) == []


def test_production_gateway_is_reached_only_through_the_ingress_controller():
    docs = render("production")
    sources = ingress_sources(docs, pods(docs)["gateway"], 8000)
    assert sources <= {"ns:ingress-nginx", "ns:monitoring"}
    assert "ns:ingress-nginx" in sources


def test_production_secrets_are_provided_by_operator_cert_or_example():
    docs = render("production")
    example = render(SECRETS_EXAMPLE)
    example_names = {s["metadata"]["name"] for s in of_kind(example, "Secret")}
    cnpg = {f"{c['metadata']['name']}-app" for c in of_kind(docs, "Cluster")}
    tls = {t["secretName"] for i in of_kind(docs, "Ingress") for t in i["spec"]["tls"]}
    external = example_names | cnpg | tls
    assert check_references_resolve(docs, external=external) == []
    referenced = {name for _, name, _, _ in secret_refs(docs)}
    assert example_names <= referenced, "the example shows secrets nobody uses"
    for owner, name, key, optional in secret_refs(docs):
        if name in example_names and key is not None and not optional:
            assert key in named(example, "Secret", name)["data"], (name, key)
        if name in cnpg:
            assert key in CNPG_SECRET_KEYS, (owner["metadata"]["name"], name, key)


def test_placeholders_only_in_the_documented_example():
    example = SECRETS_EXAMPLE / "kustomization.yaml"
    assert "REPLACE_ME" in example.read_text(encoding="utf-8")
    (kustomization,) = load_docs(example)
    assert kustomization["generatorOptions"]["disableNameSuffixHash"] is True
    production = load_docs(K8S / "overlays" / "production" / "kustomization.yaml")[0]
    assert not any("secrets-example" in r for r in production.get("resources") or [])
    for path in all_yaml_files():
        if path != example:
            assert "REPLACE_ME" not in path.read_text(encoding="utf-8"), path
    for secret in of_kind(render(SECRETS_EXAMPLE), "Secret"):
        for value in secret["data"].values():
            assert base64.b64decode(value) == b"REPLACE_ME"


# ---------------------------------------------------------------------------
# tests: the image
# ---------------------------------------------------------------------------


def dockerfile_instructions() -> list[tuple[str, str]]:
    text = (ROOT / "Dockerfile").read_text(encoding="utf-8")
    text = re.sub(r"\\\n", " ", text)
    result = []
    for line in text.splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            word, _, rest = line.partition(" ")
            result.append((word.upper(), rest.strip()))
    return result


def test_dockerfile_builds_a_non_root_image_running_the_gateway():
    instructions = dockerfile_instructions()
    args = dict(rest.split("=", 1) for word, rest in instructions if word == "ARG" and "=" in rest)
    stages = [rest.split()[0] for word, rest in instructions if word == "FROM"]
    assert len(stages) >= 2, "multi-stage build expected"
    for image in stages:
        image = re.sub(r"\$\{(\w+)\}", lambda m: args[m.group(1)], image)
        assert image.startswith("python:3.11-slim"), image
    runs = " ".join(rest for word, rest in instructions if word == "RUN")
    assert re.search(r"pip install (--\S+ )*\.(\s|$)", runs), "pip install . expected"
    assert "-e " not in runs and "--editable" not in runs and ".[" not in runs
    users = [rest for word, rest in instructions if word == "USER"]
    assert users, "the image must not run as root"
    uid = users[-1].split(":")[0]
    assert uid.isdigit() and int(uid) == APP_UID, "numeric non-root UID expected"
    (cmd,) = [json.loads(rest) for word, rest in instructions if word == "CMD"]
    gateway = app_container(named(render("production"), "Deployment", "gateway"))
    assert cmd == gateway["command"]
    assert not [w for w, _ in instructions if w == "ENTRYPOINT"], "CMD must be overridable"


def test_dockerignore_keeps_the_context_small_but_installable():
    patterns = {
        line.strip()
        for line in (ROOT / ".dockerignore").read_text(encoding="utf-8").splitlines()
        if line.strip() and not line.startswith("#")
    }
    assert {".git", "tests/"} <= patterns
    assert not patterns & {"pyproject.toml", "shared", "services", "gateway", "*"}


# ---------------------------------------------------------------------------
# tests: the renderer agrees with real kustomize, when available
# ---------------------------------------------------------------------------


def kustomize_command() -> list[str] | None:
    if shutil.which("kustomize"):
        return ["kustomize", "build"]
    if shutil.which("kubectl"):
        return ["kubectl", "kustomize"]
    return None


def _strip_hashes(docs: list[dict], plain_names: set[str]) -> list[dict]:
    hashed = {}
    for doc in docs:
        name = doc["metadata"]["name"]
        if doc["kind"] in ("ConfigMap", "Secret") and name not in plain_names:
            m = re.fullmatch(r"(.+)-[a-z0-9]{10}", name)
            if m and m.group(1) in plain_names:
                hashed[name] = m.group(1)

    def walk(node: Any) -> Any:
        if isinstance(node, dict):
            return {k: walk(v) for k, v in node.items()}
        if isinstance(node, list):
            return [walk(v) for v in node]
        if isinstance(node, str):
            return hashed.get(node, node)
        return node

    return [walk(d) for d in docs]


def _decode_secrets(docs: list[dict]) -> list[dict]:
    for doc in docs:
        if doc["kind"] == "Secret" and "data" in doc:
            doc["data"] = {k: base64.b64decode(v).decode() for k, v in doc["data"].items()}
    return docs


def _key(doc: dict) -> tuple[str, str, str]:
    return (doc["kind"], doc["metadata"].get("namespace", ""), doc["metadata"]["name"])


@pytest.mark.parametrize("overlay", [*OVERLAYS, "secrets-example"])
def test_renderer_matches_kustomize(overlay):
    command = kustomize_command()
    if command is None:
        pytest.skip("neither kustomize nor kubectl is installed")
    kdir = SECRETS_EXAMPLE if overlay == "secrets-example" else OVERLAY_DIRS[overlay]
    done = subprocess.run(
        [*command, str(kdir)], capture_output=True, text=True, timeout=120, check=False
    )
    assert done.returncode == 0, done.stderr
    ours = _decode_secrets(render(kdir))
    theirs = [d for d in yaml.safe_load_all(done.stdout) if d is not None]
    theirs = _decode_secrets(_strip_hashes(theirs, {d["metadata"]["name"] for d in ours}))
    assert sorted(map(_key, theirs)) == sorted(map(_key, ours))
    by_key = {_key(d): d for d in ours}
    for doc in theirs:
        assert doc == by_key[_key(doc)], f"{_key(doc)} differs from kustomize's"


# ---------------------------------------------------------------------------
# the checks catch what they are meant to catch
# ---------------------------------------------------------------------------


def _deployment(docs: list[dict], app: str) -> dict:
    return named(docs, "Deployment", app)


def _drop_readiness(docs):
    del app_container(_deployment(docs, "projects"))["readinessProbe"]


def _wrong_probe_port(docs):
    app_container(_deployment(docs, "funding"))["livenessProbe"]["httpGet"]["port"] = 8001


def _wrong_factory(docs):
    app_container(_deployment(docs, "evaluation"))["command"][2] = APPS["funding"]["factory"]


def _admit_funding_to_evaluation(docs):
    policy = named(docs, "NetworkPolicy", "evaluation")
    policy["spec"]["ingress"][0]["from"].append(
        {"podSelector": {"matchLabels": {"app.kubernetes.io/name": "funding"}}}
    )


def _admit_everyone_to_projects(docs):
    named(docs, "NetworkPolicy", "projects")["spec"]["ingress"].append({})


def _let_funding_reach_projects_db(docs):
    policy = named(docs, "NetworkPolicy", "projects-db")
    policy["spec"]["ingress"][0]["from"].append(
        {"podSelector": {"matchLabels": {"app.kubernetes.io/name": "funding"}}}
    )


def _run_as_root(docs):
    _deployment(docs, "gateway")["spec"]["template"]["spec"]["securityContext"]["runAsUser"] = 0


def _writable_root(docs):
    app_container(_deployment(docs, "projects"))["securityContext"]["readOnlyRootFilesystem"] = (
        False
    )


def _literal_password(docs):
    env = app_container(_deployment(docs, "funding"))["env"]
    env.append({"name": "FUNDING_DATABASE_URL", "value": "postgresql://u:hunter2@db/x"})


def _one_replica(docs):
    _deployment(docs, "evaluation")["spec"]["replicas"] = 1


def _two_instances(docs):
    named(docs, "Cluster", "funding-db")["spec"]["instances"] = 2


def _inline_secret(docs):
    docs.append(
        {
            "apiVersion": "v1",
            "kind": "Secret",
            "metadata": {"name": "sdgc-identity", "namespace": NAMESPACE},
            "stringData": {"SDGC_IDENTITY_SECRET": "s3cret"},
        }
    )


def _no_namespace(docs):
    del named(docs, "Deployment", "redis")["metadata"]["namespace"]


def _expose_metrics(docs):
    rule = of_kind(docs, "Ingress")[0]["spec"]["rules"][0]
    rule["http"]["paths"][0]["path"] = "/"


def _migrate_other_app(docs):
    init = pod_spec(_deployment(docs, "projects"))["initContainers"][0]
    init["command"][-1] = "funding"


def _url_before_password(docs):
    env = app_container(_deployment(docs, "gateway"))["env"]
    env.insert(0, env.pop(next(i for i, e in enumerate(env) if e["name"] == "GATEWAY_REDIS_URL")))


def _blocking_pdb(docs):
    budget = named(docs, "PodDisruptionBudget", "funding")["spec"]
    budget.pop("maxUnavailable")
    budget["minAvailable"] = 2


def _big_pools(docs):
    data = named(docs, "ConfigMap", "gateway-config")["data"]
    del data["GATEWAY_DB_POOL_SIZE"], data["GATEWAY_DB_MAX_OVERFLOW"]


def _service_links(docs):
    _deployment(docs, "projects")["spec"]["template"]["spec"]["enableServiceLinks"] = True


MUTATIONS: dict[str, tuple[Callable[[list[dict]], None], Callable[[list[dict]], list[str]]]] = {
    "readiness probe removed": (_drop_readiness, check_app_workloads),
    "liveness probe on another port": (_wrong_probe_port, check_app_workloads),
    "service runs another factory": (_wrong_factory, check_app_workloads),
    "service links enabled": (_service_links, check_app_workloads),
    "evaluation admits funding": (_admit_funding_to_evaluation, check_app_network_policies),
    "projects admits everyone": (_admit_everyone_to_projects, check_app_network_policies),
    "funding reaches projects db": (_let_funding_reach_projects_db, check_app_network_policies),
    "gateway runs as root": (_run_as_root, check_security),
    "writable root filesystem": (_writable_root, check_security),
    "literal database password": (_literal_password, check_no_literal_credentials),
    "single replica": (_one_replica, check_production),
    "two database instances": (_two_instances, check_production),
    "inline secret": (_inline_secret, check_production),
    "resource outside the namespace": (_no_namespace, check_namespace),
    "ingress exposes /metrics": (_expose_metrics, lambda d: check_ingress(d, expected=True)),
    "migrates another database": (_migrate_other_app, check_migrations),
    "env used before defined": (_url_before_password, check_env_references),
    "budget blocks drains": (_blocking_pdb, check_pdbs),
    "default pools exceed max_connections": (_big_pools, check_connection_budget),
}


@pytest.mark.parametrize("mutation", MUTATIONS)
def test_checks_detect_broken_manifests(mutation):
    mutate, check = MUTATIONS[mutation]
    docs = render("production")
    assert check(docs) == [], "the unmodified production overlay must pass"
    mutate(docs)
    assert check(docs), f"{check.__name__} missed: {mutation}"
