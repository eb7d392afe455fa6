"""Write constraints.txt: the installed versions of icarus-omics[test] and everything it
pulls in, after a passing test run (python .ci/constraints.py)."""

from __future__ import annotations

import importlib.metadata as metadata
import re
from pathlib import Path

from packaging.requirements import Requirement


def closure(name: str, extras: tuple[str, ...], seen: dict[str, tuple[str, str]]) -> None:
    key = re.sub(r"[-_.]+", "-", name).lower()
    if key in seen:
        return
    try:
        dist = metadata.distribution(name)
    except metadata.PackageNotFoundError:
        return
    seen[key] = (dist.metadata["Name"], dist.version)
    for text in dist.requires or []:
        requirement = Requirement(text)
        wanted = requirement.marker is None or any(
            requirement.marker.evaluate({"extra": extra}) for extra in (*extras, "")
        )
        if wanted:
            closure(requirement.name, (), seen)


def main() -> None:
    seen: dict[str, tuple[str, str]] = {}
    closure("icarus-omics", ("test",), seen)
    seen.pop("icarus-omics", None)
    pins = sorted(f"{name}=={version}" for name, version in seen.values())
    header = ("# Versions the test suite passed with: pip install -c constraints.txt '.[test]'\n"
              "# Regenerate after a passing run with: python .ci/constraints.py\n")  # fmt: skip
    target = Path(__file__).resolve().parents[1] / "constraints.txt"
    target.write_text(header + "\n".join(sorted(pins, key=str.lower)) + "\n")


if __name__ == "__main__":
    main()
