"""deploy/kubernetes/: the Zero-to-JupyterHub values carry the one-host configuration's choices,
the hub configuration they imply loads in JupyterHub with KubeSpawner, and the image definition
is sound.

There is no cluster and no Docker engine here, so this checks what can be checked without one:
- the values parse, and agree with deploy/jupyterhub/jupyterhub_config.py on authentication,
  instructors, resources, culling and the start page (one set of choices, two hosts);
- the part of the chart's own hub configuration (z2jh ``files/hub/jupyterhub_config.py``) that
  reads the keys these values use, applied to them, gives a traitlets Config in which the
  classroom authenticator loads and KubeSpawner builds a learner's pod with the right limits;
- the Dockerfile parses, starts from a pinned image, copies files that exist, installs from
  environment.yml and runs as the notebook user.
"""
from __future__ import annotations

import asyncio
import os
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml
from hubtools import ROOT
from traitlets.config import Config

KUBE = ROOT / "deploy" / "kubernetes"
HUB = ROOT / "deploy" / "jupyterhub"
VALUES: dict[str, Any] = yaml.safe_load((KUBE / "values.yaml").read_text())


def tljh_config(monkeypatch: pytest.MonkeyPatch) -> Config:
    """The one-host configuration as JupyterHub loads it, instructors named as in values.yaml."""
    admins = ",".join(VALUES["hub"]["config"]["Authenticator"]["admin_users"])
    for name in [k for k in os.environ if k.startswith("SMTPLESSON_")]:
        monkeypatch.delenv(name)
    monkeypatch.setenv("SMTPLESSON_ADMINS", admins)
    path = HUB / "jupyterhub_config.py"
    config = Config()
    namespace: dict[str, object] = {"__file__": str(path), "get_config": lambda: config}
    exec(compile(path.read_text(), str(path), "exec"), namespace)
    return config


def z2jh_config(values: dict[str, Any], files: dict[str, Path]) -> Config:
    """What the chart's hub configuration makes of the keys these values use (chart 4.x)."""
    c = Config()
    c.JupyterHub.spawner_class = "kubespawner.KubeSpawner"
    single = values["singleuser"]
    c.KubeSpawner.cmd = single["cmd"]
    c.KubeSpawner.default_url = single["defaultUrl"]
    c.KubeSpawner.start_timeout = single["startTimeout"]
    c.KubeSpawner.image = f"{single['image']['name']}:{single['image']['tag']}"
    c.KubeSpawner.mem_limit = single["memory"]["limit"]
    c.KubeSpawner.mem_guarantee = single["memory"]["guarantee"]
    c.KubeSpawner.cpu_limit = single["cpu"]["limit"]
    c.KubeSpawner.environment = dict(single["extraEnv"])
    for section, settings in values["hub"]["config"].items():  # hub.config is merged last
        c[section].merge(Config(settings))
    # hub.extraFiles are mounted, then hub.extraConfig runs: here the files sit in ``files``
    for name, snippet in values["hub"]["extraConfig"].items():
        for key, entry in values["hub"]["extraFiles"].items():
            snippet = snippet.replace(str(Path(entry["mountPath"]).parent), str(files[key].parent))
        exec(compile(snippet, f"extraConfig.{name}", "exec"), {"c": c})
    return c


def test_the_values_agree_with_the_one_host_configuration(monkeypatch: pytest.MonkeyPatch) -> None:
    tljh = tljh_config(monkeypatch)
    hub = VALUES["hub"]["config"]
    assert tljh.JupyterHub.authenticator_class == hub["JupyterHub"]["authenticator_class"]
    assert tljh.Authenticator.admin_users == set(hub["Authenticator"]["admin_users"])
    for section in ("NativeAuthenticator", "ClassroomAuthenticator"):
        assert dict(tljh[section]) == hub[section], section
    assert tljh.Spawner.args.get_value([]) == hub["Spawner"]["args"]
    single = VALUES["singleuser"]
    assert tljh.Spawner.mem_limit == single["memory"]["limit"]
    assert tljh.Spawner.cpu_limit == single["cpu"]["limit"]
    assert tljh.Spawner.start_timeout == single["startTimeout"]
    assert tljh.Spawner.default_url == single["defaultUrl"]
    recording = tljh.Spawner.environment.get_value({})["SMTPLESSON_RECORD"]
    assert recording == single["extraEnv"]["SMTPLESSON_RECORD"]
    culler = next(s for s in tljh.JupyterHub.services.get_value([]) if s["name"] == "idle-culler")
    assert f"--timeout={VALUES['cull']['timeout']}" in culler["command"]
    assert f"--cull-every={VALUES['cull']['every']}" in culler["command"]
    assert VALUES["cull"]["enabled"] is True
    assert VALUES["proxy"]["https"]["enabled"] is True  # logins never in clear text


KUBECONFIG = """
apiVersion: v1
kind: Config
clusters: [{name: none, cluster: {server: "https://127.0.0.1:9"}}]
users: [{name: none, user: {token: unused}}]
contexts: [{name: none, context: {cluster: none, user: none}}]
current-context: none
"""


def test_the_implied_hub_configuration_loads_with_kubespawner(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import kubespawner
    from kubernetes_asyncio.config import kube_config

    # KubeSpawner loads a cluster configuration when it is made; this one is never contacted
    (tmp_path / "kubeconfig").write_text(KUBECONFIG)
    monkeypatch.setattr(kube_config, "KUBE_CONFIG_DEFAULT_LOCATION", str(tmp_path / "kubeconfig"))

    files = {"classroomAuth": HUB / "classroom_auth.py", "addInstructor": HUB / "add_instructor.py"}
    for key, entry in VALUES["hub"]["extraFiles"].items():
        assert Path(entry["mountPath"]).name == files[key].name  # mounted under its own name
    config = z2jh_config(VALUES, files)
    try:
        from jupyterhub.app import JupyterHub

        app = JupyterHub(config=config)
        assert app.spawner_class is kubespawner.KubeSpawner
        authenticator = app.authenticator_class(config=config, add_new_table=False)  # no database here
        assert type(authenticator).__name__ == "ClassroomAuthenticator"
        assert authenticator.max_pending_signups == 60 and authenticator.allowed_failed_logins == 5

        async def manifest() -> Any:  # KubeSpawner is made on the hub's running loop
            spawner = kubespawner.KubeSpawner(config=config, _mock=True)
            return await spawner.get_pod_manifest()

        pod = asyncio.run(manifest())
    finally:
        sys.path[:] = [p for p in sys.path if p != str(HUB)]
        sys.modules.pop("classroom_auth", None)
    container = pod.spec.containers[0]
    assert container.image == "registry.example.org/smtplesson:0.3.0"
    assert container.args[:2] == ["python", "/usr/local/bin/start_singleuser.py"]
    assert "--MappingKernelManager.cull_idle_timeout=1800" in container.args
    assert container.resources.limits == {"memory": 2**30, "cpu": 0.5}  # 1G, half a core
    assert container.resources.requests["memory"] == 512 * 2**20
    assert {e.name: e.value for e in container.env}["SMTPLESSON_RECORD"] == "1"


def test_the_image_definition_is_sound() -> None:
    from dockerfile_parse import DockerfileParser

    parser = DockerfileParser(path=str(KUBE / "Dockerfile"))
    steps = [(step["instruction"], step["value"]) for step in parser.structure]
    base = parser.baseimage
    assert ":" in base and not base.endswith(":latest"), base  # a pinned base image
    for instruction, value in steps:
        if instruction == "COPY":
            sources = [part for part in value.split() if not part.startswith("--")][:-1]
            for source in sources:
                assert (ROOT / source).exists(), f"COPY {source}: no such file in the repository"
    runs = " ".join(value for instruction, value in steps if instruction == "RUN")
    assert "environment.yml" in runs  # the same dependencies as Binder and conda users
    last_user = [value for instruction, value in steps if instruction == "USER"][-1]
    assert last_user not in ("root", "0")
    assert parser.cmd is not None and "start_singleuser.py" in parser.cmd
