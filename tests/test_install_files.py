"""pyproject.toml and environment.yml name the same pinned packages."""

import re

import tomllib
import yaml

CONDA_TO_PIP = {"pytorch": "torch"}


def _pins(specs):
    pins = {}
    for spec in specs:
        name, _, version = re.split(r"(==|=)", spec, maxsplit=1)
        pins[name.strip().lower()] = version.split("=")[0].strip()
    return pins


def _pyproject(repo):
    return _pins(tomllib.loads((repo / "pyproject.toml").read_text())["project"]["dependencies"])


def _environment(repo):
    deps = yaml.safe_load((repo / "environment.yml").read_text())["dependencies"]
    conda = [d for d in deps if isinstance(d, str) and not d.startswith(("python", "pip"))]
    pip = [d for d in next(d["pip"] for d in deps if isinstance(d, dict)) if not d.startswith("-")]
    pins = _pins(pip)
    pins.update({CONDA_TO_PIP.get(k, k): v for k, v in _pins(conda).items()})
    return pins


def test_every_dependency_is_pinned_and_torch_exactly(repo):
    deps = tomllib.loads((repo / "pyproject.toml").read_text())["project"]["dependencies"]
    assert all("==" in d for d in deps), deps
    assert "torch==2.13.0" in deps
    assert _pyproject(repo)["jupyter-book"].startswith("1.0.")


def test_environment_yml_names_the_same_packages_and_versions(repo):
    assert _environment(repo) == _pyproject(repo)


def test_environment_yml_asks_for_a_cuda_build(repo):
    assert "pytorch=2.13.0=cuda*" in (repo / "environment.yml").read_text()


def test_ci_calls_the_readme_test_command(repo):
    readme = (repo / "README.md").read_text()
    assert "make test" in readme.split("\n## ")[0] + readme.split("\n## ")[1]
    assert re.search(r"^make test$", (repo / ".ci/run").read_text(), re.M)
