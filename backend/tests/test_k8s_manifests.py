"""deploy/k8s: render the kustomizations (base and the example overlay) and check every object.

No cluster and no kubectl here: a small loader applies what these kustomizations use (resources,
namespace, images, labels, strategic-merge patches by kind and name) and refuses anything else, so a
new kustomize feature in the manifests fails here until the loader learns it. Built-in kinds are
validated against the Kubernetes JSON schemas (kubernetes-validate, offline, strict: an unknown
field fails); KEDA's ScaledObject, a CRD without a schema there, gets a structural check."""

from __future__ import annotations

import copy
import re
from pathlib import Path
from typing import Any

import kubernetes_validate
import pytest
import yaml
from arq.constants import default_queue_name

from janitor.core.config import Settings
from janitor.core.deps import AppContext
from janitor.core.queue import QUEUES

REPO = Path(__file__).resolve().parents[2]
K8S = REPO / "deploy" / "k8s"
BASE = K8S / "base"
OVERLAY = K8S / "overlays" / "example"
KUBERNETES_VERSION = "1.33.0"
CLUSTER_SCOPED = {"Namespace"}
LOADER_KEYS = {"apiVersion", "kind", "resources", "namespace", "images", "patches", "labels"}

Obj = dict[str, Any]


def _merge(target: Any, patch: Any) -> Any:
    """Strategic merge as far as these manifests need it: maps merge key by key, lists of named
    maps (containers, volumes, ports) merge by name, any other list is replaced."""
    if isinstance(target, dict) and isinstance(patch, dict):
        out = dict(target)
        for key, value in patch.items():
            out[key] = _merge(target[key], value) if key in target else copy.deepcopy(value)
        return out
    named = isinstance(target, list) and isinstance(patch, list)
    if named and all(isinstance(i, dict) and "name" in i for i in [*target, *patch]):
        merged = [copy.deepcopy(i) for i in target]
        for item in patch:
            at = [n for n, have in enumerate(merged) if have["name"] == item["name"]]
            if at:
                merged[at[0]] = _merge(merged[at[0]], item)
            else:
                merged.append(copy.deepcopy(item))
        return merged
    return copy.deepcopy(patch)


def _pod_specs(obj: Obj) -> list[Obj]:
    if obj["kind"] in ("Deployment", "Job", "StatefulSet", "DaemonSet"):
        return [obj["spec"]["template"]["spec"]]
    return []


def render(directory: Path) -> list[Obj]:
    kustomization = yaml.safe_load((directory / "kustomization.yaml").read_text())
    unknown = set(kustomization) - LOADER_KEYS
    assert not unknown, f"{directory}: the test loader does not apply {sorted(unknown)}"
    objects: list[Obj] = []
    for resource in kustomization.get("resources", []):
        path = (directory / resource).resolve()
        assert path.is_relative_to(K8S), f"{resource} is outside deploy/k8s"
        if path.is_dir():
            objects += render(path)
        else:
            objects += [doc for doc in yaml.safe_load_all(path.read_text()) if doc]
    for patch_ref in kustomization.get("patches", []):
        assert set(patch_ref) == {"path"}, f"the test loader applies patches from files only: {patch_ref}"
        patch = yaml.safe_load((directory / patch_ref["path"]).read_text())
        at = [
            n
            for n, o in enumerate(objects)
            if (o["kind"], o["metadata"]["name"]) == (patch["kind"], patch["metadata"]["name"])
        ]
        assert len(at) == 1, f"patch {patch_ref['path']} matches {len(at)} objects"
        objects[at[0]] = _merge(objects[at[0]], patch)
    if "namespace" in kustomization:
        for obj in objects:
            if obj["kind"] not in CLUSTER_SCOPED:
                obj["metadata"]["namespace"] = kustomization["namespace"]
    for image in kustomization.get("images", []):
        for obj in objects:
            for spec in _pod_specs(obj):
                for container in spec.get("containers", []) + spec.get("initContainers", []):
                    if container["image"].split(":")[0] == image["name"]:
                        container["image"] = f"{image.get('newName', image['name'])}:{image['newTag']}"
    for label in kustomization.get("labels", []):
        assert set(label) == {"pairs"}, "the test loader adds labels to metadata only"
        for obj in objects:
            obj["metadata"].setdefault("labels", {}).update(label["pairs"])
    return objects


def validate(obj: Obj) -> None:
    kubernetes_validate.validate(obj, KUBERNETES_VERSION, strict=True)


@pytest.fixture(scope="module", params=["base", "overlay"])
def objects(request: pytest.FixtureRequest) -> list[Obj]:
    return render(BASE if request.param == "base" else OVERLAY)


@pytest.fixture(scope="module")
def overlay() -> list[Obj]:
    return render(OVERLAY)


def one(objects: list[Obj], kind: str, name: str) -> Obj:
    found = [o for o in objects if o["kind"] == kind and o["metadata"]["name"] == name]
    assert len(found) == 1, f"{kind}/{name}: {len(found)} found"
    return found[0]


def selects(selector: dict[str, str], labels: dict[str, str]) -> bool:
    return bool(selector) and all(labels.get(k) == v for k, v in selector.items())


def pod_templates(objects: list[Obj]) -> list[tuple[Obj, Obj]]:
    return [(o, o["spec"]["template"]) for o in objects if _pod_specs(o)]


def test_every_builtin_object_is_valid_for_a_recent_kubernetes(objects: list[Obj]) -> None:
    kinds = {o["kind"] for o in objects}
    assert {"Deployment", "Service", "Ingress", "HorizontalPodAutoscaler", "Job", "NetworkPolicy", "ConfigMap"} <= kinds
    for obj in objects:
        if obj["apiVersion"].startswith("keda.sh/"):
            continue  # a CRD: no schema in kubernetes-validate (checked by hand below)
        validate(obj)


def test_the_validation_fails_on_a_broken_manifest(overlay: list[Obj]) -> None:
    api = one(overlay, "Deployment", "janitor-api")
    validate(api)
    typo = copy.deepcopy(api)
    typo["spec"]["template"]["spec"]["containers"][0]["readinesProbe"] = typo["spec"]["template"]["spec"]["containers"][
        0
    ].pop("readinessProbe")
    with pytest.raises(kubernetes_validate.ValidationError, match="readinesProbe"):
        validate(typo)
    no_selector = copy.deepcopy(api)
    del no_selector["spec"]["selector"]
    with pytest.raises(kubernetes_validate.ValidationError, match="selector"):
        validate(no_selector)
    bad_port = copy.deepcopy(one(overlay, "Service", "janitor-api"))
    bad_port["spec"]["ports"][0]["port"] = "eighty"
    with pytest.raises(kubernetes_validate.ValidationError):
        validate(bad_port)


def test_the_loader_refuses_what_it_does_not_apply(tmp_path: Path) -> None:
    (tmp_path / "kustomization.yaml").write_text("resources: []\nreplicas:\n  - name: janitor-api\n    count: 3\n")
    with pytest.raises(AssertionError, match="replicas"):
        render(tmp_path)


def test_the_api_has_probes_resources_and_runs_as_the_images_non_root_user(objects: list[Obj]) -> None:
    uid = re.search(r"^USER (\d+):(\d+)$", (REPO / "Dockerfile").read_text(), re.M)
    assert uid, "the Dockerfile names a numeric user (runAsNonRoot can check it)"
    api = one(objects, "Deployment", "janitor-api")
    container = api["spec"]["template"]["spec"]["containers"][0]
    assert container["readinessProbe"]["httpGet"]["path"] == "/api/readyz"
    assert container["livenessProbe"]["httpGet"]["path"] == "/api/healthz"
    assert container["ports"] == [{"name": "http", "containerPort": 8000}]
    for _owner, template in pod_templates(objects):
        spec = template["spec"]
        pod_security = spec["securityContext"]
        assert pod_security["runAsNonRoot"] is True
        assert str(pod_security["runAsUser"]) == uid.group(1)
        assert spec["automountServiceAccountToken"] is False
        for c in spec["containers"]:
            assert c["resources"]["requests"]["cpu"] and c["resources"]["requests"]["memory"], c["name"]
            assert c["resources"]["limits"]["memory"], c["name"]
            assert c["securityContext"]["allowPrivilegeEscalation"] is False
            assert c["securityContext"]["capabilities"]["drop"] == ["ALL"]


def test_service_ingress_and_autoscalers_point_at_what_exists(objects: list[Obj]) -> None:
    api = one(objects, "Deployment", "janitor-api")
    pod_labels = api["spec"]["template"]["metadata"]["labels"]
    assert selects(api["spec"]["selector"]["matchLabels"], pod_labels)
    service = one(objects, "Service", "janitor-api")
    assert selects(service["spec"]["selector"], pod_labels)
    worker_labels = one(objects, "Deployment", "janitor-worker")["spec"]["template"]["metadata"]["labels"]
    assert not selects(service["spec"]["selector"], worker_labels), "the Service must not reach workers"
    port_names = {p["name"] for p in api["spec"]["template"]["spec"]["containers"][0]["ports"]}
    assert {p["targetPort"] for p in service["spec"]["ports"]} <= port_names
    ingress = one(objects, "Ingress", "janitor-api")
    for rule in ingress["spec"]["rules"]:
        for path in rule["http"]["paths"]:
            backend = path["backend"]["service"]
            assert backend["name"] == "janitor-api"
            assert backend["port"]["name"] in {p["name"] for p in service["spec"]["ports"]}
    assert {h for t in ingress["spec"]["tls"] for h in t["hosts"]} == {r["host"] for r in ingress["spec"]["rules"]}
    hpa = one(objects, "HorizontalPodAutoscaler", "janitor-api")
    assert hpa["spec"]["scaleTargetRef"] == {"apiVersion": "apps/v1", "kind": "Deployment", "name": "janitor-api"}
    assert 1 < hpa["spec"]["minReplicas"] <= hpa["spec"]["maxReplicas"]


def test_the_worker_scales_on_the_arq_queue_through_a_scaler_that_reads_a_sorted_set(objects: list[Obj]) -> None:
    from janitor_worker.main import (
        FirstSyncWorkerSettings,
        InteractiveWorkerSettings,
        QuickWorkerSettings,
        WorkerSettings,
    )

    queues = {
        getattr(WorkerSettings, "queue_name", default_queue_name),
        InteractiveWorkerSettings.queue_name,
        FirstSyncWorkerSettings.queue_name,
        QuickWorkerSettings.queue_name,
    }
    assert queues == set(QUEUES)
    scaled = one(objects, "ScaledObject", "janitor-worker")
    assert scaled["apiVersion"] == "keda.sh/v1alpha1"
    assert set(scaled) == {"apiVersion", "kind", "metadata", "spec"}
    spec = scaled["spec"]
    assert spec["scaleTargetRef"] == {"name": "janitor-worker"}
    one(objects, "Deployment", "janitor-worker")
    assert spec["minReplicaCount"] >= 1, "workers run the scheduled jobs: never scale to zero"
    assert spec["minReplicaCount"] <= spec["maxReplicaCount"]
    assert spec["triggers"]
    for trigger in spec["triggers"]:
        # KEDA's redis scalers read lists (LLEN) or streams; arq's queue is a sorted set
        assert trigger["type"] not in {"redis", "redis-cluster", "redis-sentinel"}
        assert trigger["type"] == "prometheus"
        meta = trigger["metadata"]
        assert {"serverAddress", "query", "threshold"} <= set(meta)
        # every tenant queue, summed: the interactive and quick ones' jobs need workers too
        keys = re.search(r'key=~"([^"]+)"', meta["query"])
        assert keys is not None and set(keys.group(1).split("|")) == queues, meta["query"]
        assert meta["query"].startswith("sum(")
        assert int(meta["threshold"]) > 0


async def test_arqs_queue_is_a_sorted_set(ctx: AppContext) -> None:
    """Why the worker does not scale with KEDA's redis (list) scaler: what arq queues lands in a
    sorted set, which LLEN refuses."""
    await ctx.redis.enqueue_job("no_such_function", _job_id="k8s-queue-type")
    assert await ctx.redis.type(default_queue_name) in (b"zset", "zset")
    assert await ctx.redis.zcard(default_queue_name) == 1


def test_the_worker_and_the_migrate_job(objects: list[Obj]) -> None:
    worker = one(objects, "Deployment", "janitor-worker")["spec"]["template"]["spec"]
    assert worker["containers"][0]["command"] == ["python", "-m", "janitor_worker"]
    assert "worker:host:" in " ".join(worker["containers"][0]["livenessProbe"]["exec"]["command"])
    assert worker["terminationGracePeriodSeconds"] >= 45
    job = one(objects, "Job", "janitor-migrate")
    assert job["metadata"]["annotations"]["media-janitor/run"] == "before-upgrade"
    assert job["spec"]["template"]["spec"]["restartPolicy"] == "Never"
    assert job["spec"]["template"]["spec"]["containers"][0]["command"] == ["python", "-m", "janitor.cli", "migrate"]
    assert job["metadata"]["labels"]["app.kubernetes.io/component"] == "migrate"


def test_settings_come_from_a_configmap_and_a_secret_with_the_apps_names(overlay: list[Obj]) -> None:
    settings = {f"JANITOR_{name.upper()}" for name in Settings.model_fields}
    config = one(overlay, "ConfigMap", "janitor-config")
    secret = one(overlay, "Secret", "janitor-secrets")
    assert set(config["data"]) <= settings, set(config["data"]) - settings
    assert set(secret["stringData"]) <= settings, set(secret["stringData"]) - settings
    secret_names = {"JANITOR_SECRET_KEY", "JANITOR_FERNET_KEYS", "JANITOR_DATABASE_URL", "JANITOR_REDIS_URL"}
    assert set(secret["stringData"]) == secret_names
    assert not secret_names & set(config["data"]), "secrets belong in the Secret"
    for name, value in secret["stringData"].items():
        assert "change-me" in value, f"{name}: the example holds placeholders only"
    assert config["data"]["JANITOR_ENV"] == "production"
    Settings.model_validate({"trusted_proxies": config["data"]["JANITOR_TRUSTED_PROXIES"]})
    for _owner, template in pod_templates(overlay):
        for container in template["spec"]["containers"]:
            refs = {(next(iter(r)), next(iter(r.values()))["name"]) for r in container["envFrom"]}
            assert refs == {("configMapRef", "janitor-config"), ("secretRef", "janitor-secrets")}


def test_the_base_holds_no_secret() -> None:
    base = render(BASE)
    assert not [o for o in base if o["kind"] == "Secret"]


def test_network_policies_let_only_the_ingress_controller_reach_the_api(objects: list[Obj]) -> None:
    policies = [o for o in objects if o["kind"] == "NetworkPolicy"]
    for owner, template in pod_templates(objects):
        labels = template["metadata"]["labels"]
        mine = [p for p in policies if selects(p["spec"]["podSelector"]["matchLabels"], labels)]
        assert mine, f"{owner['metadata']['name']}: no NetworkPolicy selects its pods"
        assert all("Ingress" in p["spec"]["policyTypes"] for p in mine)
        rules = [rule for p in mine for rule in p["spec"].get("ingress", [])]
        if owner["metadata"]["name"] == "janitor-api":
            assert len(rules) == 1
            (source,) = rules[0]["from"]
            assert source["namespaceSelector"]["matchLabels"] == {"kubernetes.io/metadata.name": "ingress-nginx"}
            assert source["podSelector"]["matchLabels"]
            assert rules[0]["ports"] == [{"protocol": "TCP", "port": 8000}]
        else:
            assert rules == [], f"{owner['metadata']['name']}: nothing may connect to it"


def test_the_example_overlay_sets_namespace_image_host_and_proxies(overlay: list[Obj]) -> None:
    for obj in overlay:
        if obj["kind"] == "Namespace":
            assert obj["metadata"]["name"] == "media-janitor"
        else:
            assert obj["metadata"]["namespace"] == "media-janitor", obj["metadata"]["name"]
        if obj["kind"] not in ("Namespace", "Secret"):  # the base's objects carry the app's labels
            assert obj["metadata"]["labels"]["app.kubernetes.io/name"] == "media-janitor"
    images = {c["image"] for _o, t in pod_templates(overlay) for c in t["spec"]["containers"]}
    assert images == {"registry.example.com/media-janitor:0.1.0"}
    ingress = one(overlay, "Ingress", "janitor-api")
    assert [r["host"] for r in ingress["spec"]["rules"]] == ["janitor.example.org"]
    assert ingress["metadata"]["annotations"]["nginx.ingress.kubernetes.io/proxy-buffering"] == "off"
    assert one(overlay, "ConfigMap", "janitor-config")["data"]["JANITOR_TRUSTED_PROXIES"]
