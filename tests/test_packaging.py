"""The package as it ships: what the key of prepared work is made of, and a built wheel that makes an edition."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import textwrap
import zipfile
from pathlib import Path

from .conftest import REPO


def _versions_after_each_change(package: Path, names: list[str]) -> dict[str, str]:
    """stories_version() of the package copy at ``package``, first as it is ("") and then after one
    more byte is appended to each of ``names`` (paths inside the package) in turn, each change undone
    before the next; computed in a fresh interpreter that imports the copy."""
    script = textwrap.dedent(
        f"""\
        import json
        from pathlib import Path
        from digest import pipeline
        assert Path(pipeline.__file__).is_relative_to({str(package)!r}), pipeline.__file__

        def version():
            pipeline.stories_version.cache_clear()
            pipeline.features_version.cache_clear()
            return pipeline.stories_version()

        versions = {{"": version()}}
        for name in {names!r}:
            path = Path({str(package)!r}) / name
            before = path.read_bytes()
            path.write_bytes(before + b"\\n")
            versions[name] = version()
            path.write_bytes(before)
        print(json.dumps(versions))
        """
    )
    result = subprocess.run(
        [sys.executable, "-c", script],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=package.parent,
        env={**os.environ, "PYTHONPATH": str(package.parent)},
    )
    assert result.returncode == 0, result.stderr
    versions: dict[str, str] = json.loads(result.stdout)
    return versions


def test_prepared_work_is_keyed_by_every_module_the_story_code_imports(tmp_path):
    package = tmp_path / "digest"
    shutil.copytree(REPO / "digest", package, ignore=shutil.ignore_patterns("__pycache__"))
    # a helper of a helper, imported only inside a function: no list names it, the imports do
    (package / "text" / "helper_of_counting.py").write_text("WIDTH = 1\n")
    counting = package / "text" / "counting.py"
    lazy = "\n\ndef _width() -> int:\n    from .helper_of_counting import WIDTH\n\n    return WIDTH\n"
    counting.write_text(counting.read_text() + lazy)
    used = ["text/counting.py", "text/helper_of_counting.py", "text/segment.py", "text/features.py", "text/clean.py"]
    used += ["models.py", "errors.py", "cores.py", "stories/cluster.py", "stories/dedupe.py", "summaries/summarize.py"]
    used += ["summaries/claims.py", "summaries/summarizers.py", "data/claims_model.json", "data/states_model.json"]
    unused = ["cli.py", "output/render.py", "mail/deliver.py", "scheduler.py", "__init__.py", "store/sqlite.py"]
    versions = _versions_after_each_change(package, used + unused)
    original = versions.pop("")
    assert original
    changed = {name for name, version in versions.items() if version != original}
    assert changed == set(used)
    assert len({versions[name] for name in used}) == len(used)  # each change makes a key of its own


def test_a_built_wheel_holds_its_templates_and_data_and_makes_a_pdf(tmp_path, seed_inbox):
    source = tmp_path / "source"  # built from a copy: the build writes its scratch folders beside the source
    for name in ("digest", "templates"):
        shutil.copytree(REPO / name, source / name, ignore=shutil.ignore_patterns("__pycache__"))
    for name in ("pyproject.toml", "README.md"):
        shutil.copy(REPO / name, source / name)
    pip = [sys.executable, "-m", "pip", "--disable-pip-version-check", "--no-input", "-q"]
    built = subprocess.run(
        [*pip, "wheel", "--no-deps", "--no-build-isolation", "-w", str(tmp_path / "wheels"), str(source)],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert built.returncode == 0, built.stderr
    [wheel] = (tmp_path / "wheels").glob("digest-*.whl")
    with zipfile.ZipFile(wheel) as archive:
        names = set(archive.namelist())
    shipped = {f"digest/templates/{p.name}" for p in (REPO / "templates").iterdir() if p.suffix in (".j2", ".css")}
    shipped |= {f"digest/data/{p.name}" for p in (REPO / "digest" / "data").glob("*.json")}
    assert {"digest/templates/digest.html.j2", "digest/templates/digest.css", "digest/data/states_model.json"} < shipped
    assert shipped <= names
    site = tmp_path / "site"
    installed = subprocess.run(
        [*pip, "install", "--no-deps", "--target", str(site), str(wheel)], capture_output=True, text=True, timeout=300
    )
    assert installed.returncode == 0, installed.stderr
    elsewhere = tmp_path / "elsewhere"  # no templates/ folder here or above the installed package
    elsewhere.mkdir()
    env = {k: v for k, v in os.environ.items() if k != "DIGEST_TEMPLATES"}
    output = tmp_path / "output"
    result = subprocess.run(
        [sys.executable, "-m", "digest", "run", "--inbox", str(seed_inbox), "--output", str(output)],
        capture_output=True,
        text=True,
        timeout=300,
        cwd=elsewhere,
        env={**env, "PYTHONPATH": str(site)},
    )
    assert result.returncode == 0, result.stderr
    [pdf] = output.glob("*/digest.pdf")  # today's edition
    assert pdf.read_bytes().startswith(b"%PDF")
    where = subprocess.run(
        [sys.executable, "-c", "import digest.output.render as r; print(r.__file__); print(r.templates_dir())"],
        capture_output=True,
        text=True,
        cwd=elsewhere,
        env={**env, "PYTHONPATH": str(site)},
    )
    assert where.stdout.split() == [str(site / "digest" / "output" / "render.py"), str(site / "digest" / "templates")]


def test_a_source_checkout_finds_the_top_level_templates():
    """Run from the repository without installing (PYTHONPATH, as the tests do): the templates/ folder."""
    from digest.output.render import templates_dir

    assert templates_dir().resolve() == (REPO / "templates").resolve()
