"""Build hook: every install of Vigil ships compiled message catalogs.

The .mo files are not kept in git (.gitignore); without them a Chinese reader sees English. So
building Vigil compiles each src/vigil/locale/*/LC_MESSAGES/*.po to its .mo:

- `pip install .` (and any wheel): into the build directory, so the wheel holds the .mo files
  whatever the state of the source tree;
- `pip install -e .`: beside the .po in the source tree, which is what an editable install
  reads (and what `vigil compile_catalogs` does).

Everything else about the package is in pyproject.toml. The tests import this module (its
setup() call runs only when setuptools runs the file) and compile with the same function.
"""

from __future__ import annotations

from pathlib import Path

from setuptools.command.build_py import build_py

LOCALE = Path("vigil") / "locale"


def compile_catalogs(locale_dir: Path) -> list[Path]:
    """Compile every */LC_MESSAGES/*.po under locale_dir whose .mo is missing or older.

    Returns the .mo files written.
    """
    import polib  # a build requirement (pyproject.toml), and a dependency of Vigil

    written = []
    for po_path in sorted(Path(locale_dir).glob("*/LC_MESSAGES/*.po")):
        mo_path = po_path.with_suffix(".mo")
        if mo_path.exists() and mo_path.stat().st_mtime >= po_path.stat().st_mtime:
            continue
        polib.pofile(str(po_path)).save_as_mofile(str(mo_path))
        written.append(mo_path)
    return written


class BuildPyWithCatalogs(build_py):
    """build_py that compiles the message catalogs (see the module's docstring)."""

    def run(self) -> None:
        if getattr(self, "editable_mode", False):
            # An editable install reads the source tree: compile there, before the package
            # data is listed.
            compile_catalogs(Path(__file__).resolve().parent / "src" / LOCALE)
            super().run()
            return
        super().run()
        for mo_path in compile_catalogs(Path(self.build_lib) / LOCALE):
            self.announce(f"compiled {mo_path}", level=2)

    def get_outputs(self, include_bytecode: bool = True) -> list[str]:
        outputs = list(super().get_outputs(include_bytecode))
        if not getattr(self, "editable_mode", False):
            outputs += [str(p.with_suffix(".mo")) for p in
                        sorted((Path(self.build_lib) / LOCALE).glob("*/LC_MESSAGES/*.po"))
                        if str(p.with_suffix(".mo")) not in outputs]
        return outputs


if __name__ == "__main__":
    from setuptools import setup

    setup(cmdclass={"build_py": BuildPyWithCatalogs})
